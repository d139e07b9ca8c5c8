/**
 * Server-sent events for the browser: the same parsing rules as the gateway's own parser
 * (WHATWG event-stream: CR, LF or CRLF line ends, `field: value`, comments, dispatch on a
 * blank line), over text that may arrive split anywhere, including inside a CRLF pair.
 */

/** One dispatched event. `event` is "message" when the stream named none. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Incremental parser: feed text chunks, get the events they complete. */
export interface SseParser {
  feed(chunk: string): SseEvent[];
  /** End of stream: an unterminated event is discarded, as the standard says. */
  end(): SseEvent[];
}

/** A fresh parser with its own buffer. */
export function createSseParser(): SseParser {
  let buffer = '';
  let pendingCr = false;
  let eventName = '';
  let data: string[] = [];
  let hasData = false;
  let lastId: string | undefined;

  function dispatch(out: SseEvent[]): void {
    if (hasData) out.push({ event: eventName === '' ? 'message' : eventName, data: data.join('\n'), id: lastId });
    eventName = '';
    data = [];
    hasData = false;
  }

  function line(text: string, out: SseEvent[]): void {
    if (text === '') {
      dispatch(out);
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        eventName = value;
        break;
      case 'data':
        data.push(value);
        hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) lastId = value;
        break;
      default:
        break; // `retry` and unknown fields do not affect a fetch-based reader
    }
  }

  return {
    feed(chunk) {
      const out: SseEvent[] = [];
      let text = chunk;
      // A CR ended the previous chunk: a LF opening this one belongs to the same line end.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        line(buffer.slice(start, i), out);
        if (c === 13) {
          if (i + 1 < buffer.length) {
            if (buffer.charCodeAt(i + 1) === 10) i++;
          } else {
            pendingCr = true;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
    end() {
      buffer = '';
      eventName = '';
      data = [];
      hasData = false;
      return [];
    },
  };
}
