/**
 * A path that has routes, asked with a method it has none for, gets 405 with `Allow` instead
 * of the 404 of an unknown path. The console's files (a wildcard route) do not count: every
 * path matches them.
 */
import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The methods `url` has a route for, wildcard routes aside. */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return METHODS.filter((method) => {
    const route = app.findRoute({ method, url: path });
    return route !== null && (route.params as Record<string, string> | undefined)?.['*'] === undefined;
  });
}

export function methodNotAllowedMessage(method: string, allowed: readonly string[]): string {
  return `Method ${method} not allowed here: use ${allowed.join(', ')}`;
}
