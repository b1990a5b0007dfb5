// The emulator's own delays. Every timer belongs to a power epoch: when the
// module loses power (or hangs, or is closed) the callbacks of the old
// epoch are dropped, as a real module forgets what it was doing.
import type { ModemTimers } from './types.ts';

export class EpochTimers {
  private readonly pending = new Set<unknown>();

  /** live(epoch): may a callback scheduled in that epoch still run? */
  constructor(private readonly timers: ModemTimers, private readonly live: (epoch: number) => boolean) {}

  /** Runs fn after ms if the epoch it was scheduled in is still live. */
  after(epoch: number, ms: number, fn: () => void): void {
    const h: unknown = this.timers.setTimeout(() => {
      this.pending.delete(h);
      if (!this.live(epoch)) return;
      fn();
    }, Math.max(0, ms));
    this.pending.add(h);
  }

  clear(): void {
    for (const h of this.pending) this.timers.clearTimeout(h);
    this.pending.clear();
  }
}
