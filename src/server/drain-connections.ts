/**
 * Connections that would hold a drain open. node:http's `server.close()` stops its own header
 * deadline, so once the gateway drains, a connection that never sent a request (a load
 * balancer's TCP check, a client's spare connection) or one that stopped midway through its
 * headers would keep the process up until the client closes it. From the drain on, a connection
 * with no answer in progress that receives no byte for `idleMs` is closed; one with an answer in
 * progress is the answer's (its body and the client's leaving are watched elsewhere).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How often connections are looked at during a drain. */
const CHECK_MS = 100;

export interface DrainConnections {
  /** Starts closing connections that hold no answer and stay silent for `idleMs`. */
  drain(): void;
}

/** node:http keeps the answer in progress on its socket (null or absent between answers). */
type HttpSocket = Socket & { _httpMessage?: unknown };

export function trackConnections(server: Server, idleMs: number): DrainConnections {
  const open = new Set<HttpSocket>();
  server.on('connection', (socket: HttpSocket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    drain() {
      const seen = new Map<HttpSocket, { bytes: number; since: number }>();
      const timer = setInterval(() => {
        const now = performance.now();
        for (const socket of open) {
          const last = seen.get(socket);
          if (socket._httpMessage != null || last === undefined || socket.bytesRead !== last.bytes) {
            seen.set(socket, { bytes: socket.bytesRead, since: now });
          } else if (now - last.since >= idleMs) {
            socket.destroy();
          }
        }
        for (const socket of seen.keys()) if (!open.has(socket)) seen.delete(socket);
      }, CHECK_MS);
      timer.unref();
      server.once('close', () => clearInterval(timer));
    },
  };
}
