// Splits a Server-Sent Events byte stream into frames that keep their exact raw bytes (WHATWG
// HTML §9.2 framing: lines end with LF, CRLF or CR; a blank line ends an event). Every input
// byte lands in exactly one frame, so concatenating the frames' `raw` gives the input back;
// field values (event, data) are decoded lazily, only for the frames a caller looks into.
// Dependency-free (Uint8Array + TextDecoder), so a browser copy works unchanged.

const LF = 0x0a;
const CR = 0x0d;

/** One frame: the lines of an event (or comment) and the blank line that ends it. */
export interface SseFrame {
  /** Exact bytes, including the terminating blank line. */
  readonly raw: Uint8Array;
  /** Offset of the frame's first byte in the whole stream. */
  readonly start: number;
  /**
   * True when `raw` holds a whole frame, from its first line to its blank line. False for
   * the unterminated rest at the end of a stream and for the pieces of a frame larger than
   * `maxFrameBytes` (those are passed on in pieces and never decoded).
   */
  readonly complete: boolean;
  /** Only comment lines (`: ping`) and/or blank lines: no field at all. */
  readonly isComment: boolean;
  /** Value of the last `event:` line, if any. */
  readonly event: string | undefined;
  /** `data:` lines joined with "\n" (undefined when the frame has none). */
  readonly data: string | undefined;
}

export interface SseParserOptions {
  /** Largest frame kept whole; bigger frames are emitted in incomplete pieces. Default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Called synchronously for each frame, in stream order. */
  readonly onFrame: (frame: SseFrame) => void;
}

export interface SseParser {
  /** Feed the next bytes; frames completed by them are emitted before this returns. */
  push(chunk: Uint8Array): void;
  /** End of stream: emits the unterminated rest, if any, as an incomplete frame. */
  end(): void;
  /** Bytes pushed so far. */
  readonly offset: number;
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

interface Fields {
  readonly isComment: boolean;
  readonly event: string | undefined;
  readonly data: string | undefined;
}

const NO_FIELDS: Fields = { isComment: false, event: undefined, data: undefined };

/** Field parsing of one frame's text (spec: one optional space after the colon is dropped). */
function parseFields(text: string): Fields {
  let event: string | undefined;
  let data: string | undefined;
  let sawField = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '' || line.charCodeAt(0) === 0x3a /* : */) continue;
    sawField = true;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (name === 'event') event = value;
    else if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  return { isComment: !sawField, event, data };
}

class Frame implements SseFrame {
  #fields: Fields | undefined;
  constructor(
    readonly raw: Uint8Array,
    readonly start: number,
    readonly complete: boolean,
  ) {}

  #get(): Fields {
    if (this.#fields === undefined) {
      if (!this.complete) this.#fields = NO_FIELDS;
      else {
        let text = decoder.decode(this.raw);
        // A BOM is ignored only at the very start of the stream.
        if (this.start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        this.#fields = parseFields(text);
      }
    }
    return this.#fields;
  }

  get isComment(): boolean {
    return this.#get().isComment;
  }
  get event(): string | undefined {
    return this.#get().event;
  }
  get data(): string | undefined {
    return this.#get().data;
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A push parser. Frames wholly inside one pushed chunk are zero-copy views of it; only a frame
 * that spans chunks is copied. LF-only streams (vLLM's) are scanned with native `indexOf`.
 */
export function createSseParser(opts: SseParserOptions): SseParser {
  const maxFrameBytes = opts.maxFrameBytes ?? 16 * 1024 * 1024;
  const onFrame = opts.onFrame;
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let frameStart = 0; // stream offset of the current frame
  let offset = 0; // stream offset of the next chunk
  let atLineStart = true;
  let afterCR = false; // last byte was a CR ending a non-blank line: a following LF belongs to it
  let blankCR = false; // last byte was a CR ending a blank line: the frame waits for a possible LF
  let oversize = false; // the current frame already went out in pieces

  function emit(chunk: Uint8Array, from: number, to: number): void {
    const piece = chunk.subarray(from, to);
    let raw: Uint8Array;
    if (pendingLen === 0) raw = piece;
    else {
      pending.push(piece);
      raw = concat(pending, pendingLen + piece.length);
      pending = [];
      pendingLen = 0;
    }
    const frame = new Frame(raw, frameStart, !oversize);
    frameStart += raw.length;
    oversize = false;
    onFrame(frame);
  }

  function flushPending(complete: boolean): void {
    if (pendingLen === 0) return;
    const raw = concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    const frame = new Frame(raw, frameStart, complete);
    frameStart += raw.length;
    onFrame(frame);
  }

  return {
    get offset() {
      return offset;
    },
    push(chunk) {
      const len = chunk.length;
      let i = 0;
      let from = 0; // start of the current frame inside this chunk
      if (len === 0) return;
      if (blankCR) {
        blankCR = false;
        if (chunk[0] === LF) i = 1;
        if (i === 1) emit(chunk, 0, 1);
        else flushPending(!oversize);
        oversize = false;
        from = i;
      } else if (afterCR) {
        afterCR = false;
        if (chunk[0] === LF) i = 1;
      }
      let nextCR = chunk.indexOf(CR, i);
      while (i < len) {
        const b = chunk[i];
        if (b === LF) {
          if (atLineStart) {
            emit(chunk, from, i + 1);
            from = i + 1;
          }
          atLineStart = true;
          i++;
        } else if (b === CR) {
          const blank = atLineStart;
          atLineStart = true;
          if (i + 1 < len) {
            const end = chunk[i + 1] === LF ? i + 2 : i + 1;
            if (blank) {
              emit(chunk, from, end);
              from = end;
            }
            i = end;
          } else {
            if (blank) blankCR = true;
            else afterCR = true;
            i++;
          }
          if (nextCR !== -1 && nextCR < i) nextCR = chunk.indexOf(CR, i);
        } else {
          atLineStart = false;
          // Skip the rest of the line natively: to the next LF or CR.
          const nextLF = chunk.indexOf(LF, i);
          let next = nextLF;
          if (nextCR !== -1 && (next === -1 || nextCR < next)) next = nextCR;
          if (next === -1) i = len;
          else i = next;
        }
      }
      offset += len;
      if (from < len) {
        pending.push(chunk.subarray(from));
        pendingLen += len - from;
        if (pendingLen > maxFrameBytes && !blankCR) {
          oversize = true;
          flushPending(false);
        }
      }
    },
    end() {
      if (blankCR) {
        blankCR = false;
        flushPending(!oversize);
      } else flushPending(false);
      oversize = false;
    },
  };
}
