/**
 * The fleet benchmark's workload (docs/fleet.md, "The fleet benchmark"): coding-agent sessions
 * shaped like Claude Code's traffic. Every request of every session carries the same long
 * system prompt and tool list; a session is one conversation that grows turn by turn (the
 * assistant's text and tool call, then the tool's result, often a file). The text is generated
 * from a seed, so every run of one configuration sends exactly the same bytes.
 */

export interface TraceOptions {
  readonly sessions: number;
  readonly turns: number;
  readonly model: string;
  /** Characters of the shared system prompt (4 characters make a simulator token). */
  readonly systemChars: number;
  readonly tools: number;
  /** Characters of each tool result appended per turn. */
  readonly resultChars: number;
  /** Pause between turns (the agent running its tools), drawn from this range, ms. */
  readonly thinkMinMs: number;
  readonly thinkMaxMs: number;
  readonly seed: number;
}

export const DEFAULT_TRACE: Omit<TraceOptions, 'sessions' | 'turns' | 'model'> = {
  systemChars: 12_000,
  tools: 16,
  resultChars: 4_000,
  thinkMinMs: 300,
  thinkMaxMs: 1200,
  seed: 7,
};

/** One request of the trace: the headers and body of turn `turn` of session `session`. */
export interface TraceRequest {
  readonly session: number;
  readonly turn: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Pause before sending it (the agent running its tools), ms. */
  readonly thinkMs: number;
}

const WORDS = (
  'the a file function returns value error test build module import export config request ' +
  'response stream token cache replica session user system tool result line change diff patch ' +
  'commit branch merge review type interface class method call async await promise buffer ' +
  'string number array object map set key index query table row column schema migration'
).split(' ');

/** A small seeded generator (mulberry32): the same seed, the same text. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function text(next: () => number, chars: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const w = WORDS[Math.floor(next() * WORDS.length)] as string;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ').slice(0, chars);
}

type Block = Record<string, unknown>;
type Message = { role: 'user' | 'assistant'; content: string | Block[] };

/** The parts every session shares: system blocks and tools. */
function shared(o: TraceOptions): { systemText: string; system: Block[]; tools: Block[] } {
  const next = rng(o.seed);
  const systemText = `You are a coding agent working in a repository. ${text(next, o.systemChars)}`;
  const system = [{ type: 'text', text: systemText }];
  const tools = Array.from({ length: o.tools }, (_, i) => ({
    name: `tool_${i}`,
    description: text(next, 600),
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: text(next, 120) }, limit: { type: 'integer', minimum: 1 } },
      required: ['path'],
    },
  }));
  return { systemText, system, tools };
}

/**
 * Prompt tokens every request shares (system prompt and tools, as the simulator lays the
 * prompt out), in whole 16-token cache blocks: what any replica that served one request of the
 * trace has cached for all the others.
 */
export function sharedPrefixTokens(o: TraceOptions): number {
  const { systemText, tools } = shared(o);
  const chars = systemText.length + 1 + JSON.stringify(tools).length + 1;
  return Math.floor(chars / 64) * 16;
}

/** The session id Claude Code would send (a UUID-shaped string per session). */
export function sessionId(seed: number, session: number): string {
  const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
  const a = hex(Math.imul(session + 1, 0x9e3779b1) ^ seed);
  const b = hex(Math.imul(session + 7, 0x85ebca6b));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-8${a.slice(1, 4)}-${b}${a.slice(0, 4)}`;
}

/**
 * Every session's requests, in turn order: `trace[s][t]`. Turn t's messages are turn t−1's
 * plus the assistant's answer (text and a tool call) and the user's tool result.
 */
export function buildTrace(o: TraceOptions): TraceRequest[][] {
  const { system, tools } = shared(o);
  const out: TraceRequest[][] = [];
  for (let s = 0; s < o.sessions; s++) {
    const next = rng(o.seed * 7919 + s + 1);
    const id = sessionId(o.seed, s);
    const headers = { 'x-claude-code-session-id': id, 'anthropic-version': '2023-06-01' };
    const messages: Message[] = [{ role: 'user', content: `Task ${s}: ${text(next, 400)}` }];
    const turns: TraceRequest[] = [];
    for (let t = 0; t < o.turns; t++) {
      if (t > 0) {
        const useId = `toolu_${s}_${t}`;
        messages.push({
          role: 'assistant',
          content: [
            { type: 'text', text: text(next, 300) },
            { type: 'tool_use', id: useId, name: `tool_${Math.floor(next() * o.tools)}`, input: { path: `src/${text(next, 20).replace(/ /g, '/')}.ts` } },
          ],
        });
        messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: useId, content: text(next, o.resultChars) }] });
      }
      const body = JSON.stringify({
        model: o.model,
        max_tokens: 4096,
        stream: true,
        system,
        tools,
        messages,
        metadata: { user_id: `user_bench_session_${id}` },
      });
      // The first turn waits for the user; later ones for the agent's own tool run.
      const thinkMs = t === 0 ? 0 : o.thinkMinMs + Math.floor(next() * (o.thinkMaxMs - o.thinkMinMs));
      turns.push({ session: s, turn: t, headers, body, thinkMs });
    }
    out.push(turns);
  }
  return out;
}
