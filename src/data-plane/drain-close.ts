/**
 * Which answers close their connection while the gateway drains. An answer whose head is sent
 * during the drain says `Connection: close` when it is the last one open on its connection, so
 * the client does not send another request on a connection the drain is about to close. An
 * answer with a pipelined request queued behind it keeps the connection for that one; a request
 * that arrives behind an answer that said close is not served (Node closes the connection after
 * that answer, so no answer of it could reach the client).
 *
 * The counts live on the sockets, so nothing outlives a connection: a pipelined answer that
 * never had the socket (its client left) is never counted out, and goes with the socket.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const kOpen = Symbol('answers open on this connection');
const kClosing = Symbol('an answer on this connection said Connection: close');

type Tracked = Socket & { [kOpen]?: number; [kClosing]?: true };

export class DrainClose {
  #draining = false;

  /** From now on, heads close their connection when they can. */
  start(): void {
    this.#draining = true;
  }

  /** A request arrived; false when an answer on its connection already said close (do not serve it). */
  opened(req: IncomingMessage): boolean {
    const socket = req.socket as Tracked;
    if (socket[kClosing] === true) return false;
    socket[kOpen] = (socket[kOpen] ?? 0) + 1;
    return true;
  }

  /** A request's answer is over. */
  ended(req: IncomingMessage): void {
    const socket = req.socket as Tracked;
    socket[kOpen] = (socket[kOpen] ?? 1) - 1;
  }

  /** Called as the head goes out: whether it says `Connection: close`. */
  closes(req: IncomingMessage): boolean {
    if (!this.#draining) return false;
    const socket = req.socket as Tracked;
    if ((socket[kOpen] ?? 0) > 1) return false;
    socket[kClosing] = true;
    return true;
  }
}
