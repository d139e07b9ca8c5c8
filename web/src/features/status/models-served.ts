/** The Status page's Models badge: whether every model is served, and at what capacity. */
export interface ModelUp {
  readonly id: string;
  readonly replicas: number;
  readonly up: number;
}

export interface ModelsBadge {
  readonly tone: 'badge-ok' | 'badge-warn' | 'badge-error';
  readonly text: string;
}

/**
 * Red names the models none of whose replicas is up; amber counts the replicas out of use
 * (`out`, each once, whatever models it lists) while every model is still served: the fleet has
 * less capacity than it lists; green otherwise.
 */
export function modelsBadge(models: readonly ModelUp[], out: number): ModelsBadge {
  const down = models.filter((m) => m.up === 0);
  if (down.length > 0) return { tone: 'badge-error', text: down.length === 1 ? `${down[0]!.id} down` : `${down.length} of ${models.length} down` };
  const serving = models.length === 1 ? 'Serving' : `All ${models.length} serving`;
  if (out === 0) return { tone: 'badge-ok', text: serving };
  return { tone: 'badge-warn', text: `${serving}, ${out} replica${out === 1 ? '' : 's'} out` };
}
