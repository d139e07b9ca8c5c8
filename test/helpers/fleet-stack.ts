/**
 * A gateway in front of several simulators (a fleet): each simulator has its own served model
 * name, prefix cache and modes. `restart(i)` kills replica i (connections cut) and starts a
 * fresh one on the same port, as a rolling restart does.
 *
 *   const fleet = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { startStack, type Stack } from './harness.js';

export interface FleetStack {
  readonly stack: Stack;
  readonly gatewayUrl: string;
  /** The current simulator of each replica (replaced by `restart`). */
  readonly sims: Simulator[];
  readonly key: string;
  /** The key's id (its usage: `stack.usage(keyId)`). */
  readonly keyId: string;
  /** Generating requests each replica received since the last `clear()`. */
  served(): number[];
  clear(): void;
  /** Closes replica `i` (its connections are destroyed); `restart` brings it back. */
  kill(i: number): Promise<void>;
  /** Starts replica `i` again on its port with its options, or with `as` (redeployed as another model, say). */
  revive(i: number, as?: SimulatorOptions): Promise<void>;
  /**
   * Replaces replica `i` by a listener that accepts connections and never answers, as a stopped
   * process or a wedged API server does (`revive` brings the simulator back).
   */
  freeze(i: number): Promise<void>;
  close(): Promise<void>;
}

export interface FleetStackOptions {
  readonly replicas: readonly SimulatorOptions[];
  readonly env?: Readonly<Record<string, string>>;
}

const GENERATING = /^\/v1\/(chat\/completions|completions|responses|messages)$/;

export async function startFleetStack(o: FleetStackOptions): Promise<FleetStack> {
  const sims: Simulator[] = [];
  const ports: number[] = [];
  const frozen = new Map<number, { server: Server; sockets: Set<Socket> }>();
  try {
    for (const opts of o.replicas) {
      const s = createSimulator(opts);
      ports.push((await s.listen(0, '127.0.0.1')).port);
      sims.push(s);
    }
    const stack = await startStack({
      simulator: false,
      env: { VLLM_BASE_URL: sims.map((s) => s.url).join(','), PROXY_HEALTH_INTERVAL: '0.2', ...o.env },
    });
    const { key, id: keyId } = await stack.createKey();
    for (const s of sims) s.clearRequests();
    return {
      stack,
      gatewayUrl: stack.gatewayUrl,
      sims,
      key,
      keyId,
      served: () => sims.map((s) => s.requests.filter((r) => r.method === 'POST' && GENERATING.test(r.path)).length),
      clear: () => {
        for (const s of sims) s.clearRequests();
      },
      async kill(i) {
        await (sims[i] as Simulator).close();
      },
      async freeze(i) {
        await (sims[i] as Simulator).close();
        const sockets = new Set<Socket>();
        const server = createServer((socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        });
        await new Promise<void>((resolve) => server.listen(ports[i], '127.0.0.1', resolve));
        frozen.set(i, { server, sockets });
      },
      async revive(i, as) {
        const f = frozen.get(i);
        if (f !== undefined) {
          frozen.delete(i);
          for (const socket of f.sockets) socket.destroy();
          await new Promise((resolve) => f.server.close(resolve));
        }
        const s = createSimulator(as ?? o.replicas[i]);
        await s.listen(ports[i], '127.0.0.1');
        sims[i] = s;
      },
      async close() {
        for (const i of [...frozen.keys()]) {
          const f = frozen.get(i)!;
          for (const socket of f.sockets) socket.destroy();
          await new Promise((resolve) => f.server.close(resolve));
        }
        await stack.close();
        await Promise.all(sims.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(sims.map((s) => s.close()));
    throw err;
  }
}
