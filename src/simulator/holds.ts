// Test-controlled pauses: a request tagged `x-sim-hold: <tag>` stops after k SSE events
// (or before a JSON answer) until `release(tag)`; `waitFor(tag)` resolves once it stopped.

import type { RecordedRequest } from './recorder.js';

/** Where a held request stopped. */
export interface HoldInfo {
  readonly tag: string;
  /** The held request's `RecordedRequest.id`. */
  readonly requestId: number;
  /** The held request itself (available even with `record: false`); `closed` tells how it ended. */
  readonly request: RecordedRequest;
  /** SSE events written before the pause (0 for JSON answers). */
  readonly chunks: number;
}

interface Entry {
  reached: Promise<HoldInfo>;
  resolveReached: (i: HoldInfo) => void;
  released: Promise<void>;
  resolveReleased: () => void;
  isReached: boolean;
  isReleased: boolean;
}

/** The hold table of one simulator. */
export class Holds {
  private readonly entries = new Map<string, Entry>();

  private entry(tag: string): Entry {
    let e = this.entries.get(tag);
    if (e === undefined) {
      let resolveReached!: (i: HoldInfo) => void;
      let resolveReleased!: () => void;
      const reached = new Promise<HoldInfo>((r) => { resolveReached = r; });
      const released = new Promise<void>((r) => { resolveReleased = r; });
      e = { reached, resolveReached, released, resolveReleased, isReached: false, isReleased: false };
      this.entries.set(tag, e);
    }
    return e;
  }

  /** Called by the request: records the pause; resolves when released (the tag is then free). */
  reach(info: HoldInfo): Promise<void> {
    const e = this.entry(info.tag);
    e.isReached = true;
    e.resolveReached(info);
    if (e.isReleased) this.entries.delete(info.tag);
    return e.released;
  }

  /** Resolves when a request with this tag has paused (at once if one is paused now). */
  waitFor(tag: string): Promise<HoldInfo> {
    return this.entry(tag).reached;
  }

  /** Lets the paused request go on; before it pauses, makes it pass straight through. */
  release(tag: string): void {
    const e = this.entry(tag);
    e.isReleased = true;
    e.resolveReleased();
    if (e.isReached) this.entries.delete(tag);
  }

  /** Releases everything (used when closing). */
  releaseAll(): void {
    for (const tag of [...this.entries.keys()]) this.release(tag);
  }
}
