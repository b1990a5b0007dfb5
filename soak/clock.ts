// The soak's virtual clock: one time base for the firmware (the host's
// millis import) and the modem emulator (its injected now and timers).
// Nothing moves it but the lockstep loop in device.ts.
import type { ModemTimers } from '../sim/modem/types.ts';

interface Due { at: number; seq: number; fn: () => void }

export class SoakClock implements ModemTimers {
  t = 0;
  private seq = 0;
  private readonly due = new Map<number, Due>();

  readonly now = (): number => this.t;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.due.delete(h as number);
  }

  /** When the earliest timer falls due (Infinity: none). */
  nextDue(): number {
    let at = Infinity;
    for (const d of this.due.values()) if (d.at < at) at = d.at;
    return at;
  }

  /** Runs, in order, every timer due within ms, then sets the time to now + ms. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Due | null = null;
      for (const d of this.due.values()) {
        if (d.at <= end && (!next || d.at < next.at || (d.at === next.at && d.seq < next.seq))) next = d;
      }
      if (!next) break;
      this.due.delete(next.seq);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}
