/**
 * Which relay carries a backend's answer, chosen from its head. A 2xx JSON body or SSE stream
 * of an endpoint whose format the gateway reads is metered: a shaped request's answer through
 * its observers (the meter first), an unshaped request's JSON (embeddings) by the meter alone.
 * An error answer on the Anthropic surface is read whole, to be sent in Anthropic's envelope.
 * Anything else goes through as raw bytes. The head goes out here for relays that send it at
 * once (a stream, raw bytes); a JSON body is sent whole, head and all, once it is complete.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect } from '../dialects/index.js';
import type { ShapedForward } from '../forward.js';
import { mediaType } from '../upstream/headers.js';
import type { ClientWriter } from './client-writer.js';
import type { ErrorSurface } from '../render-error.js';
import { AnthropicErrorRelay, JsonRelay, RawRelay, SseRelay, type ObserversFor, type Relay } from './relays.js';
import type { UsageLedger } from './usage-ledger.js';

/**
 * The relay for a response head; `out` is the client's response headers, `dialect` how the
 * endpoint's answers carry usage (when the gateway reads its format), `shaped` the forwarded
 * request when the gateway shaped it. Positional: this runs once per response.
 */
export function startRelay(
  status: number,
  headers: IncomingHttpHeaders,
  out: string[],
  writer: ClientWriter,
  ledger: UsageLedger,
  observersFor: ObserversFor,
  dialect: Dialect | undefined,
  shaped: ShapedForward | undefined,
  surface: ErrorSurface,
): Relay {
  const meter = ledger.meter;
  const media = status >= 200 && status < 300 && dialect !== undefined ? mediaType(headers) : '';
  if (dialect !== undefined && meter !== undefined && (media === 'text/event-stream' || media === 'application/json')) {
    if (shaped === undefined) {
      if (media === 'application/json') return new JsonRelay(writer, ledger, meter, [meter], out);
    } else {
      const observers = observersFor(dialect, shaped.facts, meter);
      if (media === 'application/json') return new JsonRelay(writer, ledger, meter, observers, out);
      ledger.streamRequest = shaped.facts;
      const relay = new SseRelay(writer, ledger, dialect, observers);
      writer.headStream(status, out);
      return relay;
    }
  }
  if (status >= 400 && surface === 'anthropic' && mediaType(headers) === 'application/json') return new AnthropicErrorRelay(writer, ledger, out);
  const relay = new RawRelay(writer, ledger);
  writer.head(status, out);
  return relay;
}
