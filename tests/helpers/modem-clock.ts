// Virtual time for the modem emulator: inject `now` and `timers`, then
// advance() runs every timer that falls due, in order.
import type { ModemTimers } from '../../sim/modem/types.ts';

interface Pending { at: number; seq: number; fn: () => void }

export class VirtualClock implements ModemTimers {
  t = 0;
  private seq = 0;
  private pending = new Map<number, Pending>();

  readonly now = (): number => this.t;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }

  /** Runs timers due within the next ms, advancing time to each. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, Pending] | null = null;
      for (const e of this.pending) {
        if (e[1].at <= end && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      }
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }

  get timerCount(): number {
    return this.pending.size;
  }
}
