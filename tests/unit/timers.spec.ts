// The app's timers (assembly/app/timers.ts): a fixed table stepped from the
// loop, ids and the error when full, once and repeating timers, what the
// loop may sleep, and times across the wrap of millis() at 2^32.
import { every, after, cancel, timersStep } from "../../assembly/app/timers";
import { TIMER_SLOTS } from "../../assembly/config";
import { E_NO_SLOT, E_BAD_ARGUMENT } from "../../assembly/errors";
import { clockAdvance, clockNow } from "./helpers";

let ticks: i32 = 0;
let onces: i32 = 0;
let chained: i32 = 0;
function tick(): void { ticks++; }
function once(): void { onces++; }
function chain(): void { chained++; if (chained < 3) after(10, chain); }
function selfCancel(): void { ticks++; cancel(0); }

/** Moves the clock to t (it only goes forward, wrapping at 2^32). */
function clockTo(t: u32): void {
  let d = t - clockNow();
  while (d > 0) {
    const s = min(d, <u32>0x40000000);
    clockAdvance(<i32>s);
    d -= s;
  }
}

describe("timers", () => {
  beforeEach(() => {
    for (let i = 0; i < TIMER_SLOTS; i++) cancel(i);
    ticks = onces = chained = 0;
  });

  test("every: due each period, the loop told how long to sleep", () => {
    clockTo(clockNow() + 1);
    const id = every(100, tick);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(timersStep()).toBe(100);
    clockAdvance(99);
    expect(timersStep()).toBe(1);
    expect(ticks).toBe(0);
    clockAdvance(1);
    timersStep();
    expect(ticks).toBe(1);
    expect(timersStep()).toBe(100);
    clockAdvance(250); // behind by more than a period: one call, not three
    timersStep();
    expect(ticks).toBe(2);
    expect(timersStep()).toBe(100);
    cancel(id);
    expect(timersStep()).toBe(0xFFFFFFFF);
  });

  test("after: once, and its slot is free again", () => {
    const id = after(50, once);
    clockAdvance(50);
    timersStep();
    clockAdvance(500);
    timersStep();
    expect(onces).toBe(1);
    expect(timersStep()).toBe(0xFFFFFFFF);
    expect(after(5, once)).toBe(id);
  });

  test("after(0) runs at the next step", () => {
    after(0, once);
    timersStep();
    expect(onces).toBe(1);
  });

  test("a full table gives E_NO_SLOT; bad arguments E_BAD_ARGUMENT", () => {
    for (let i = 0; i < TIMER_SLOTS; i++) expect(every(1000, tick)).toBe(i);
    expect(every(1000, tick)).toBe(E_NO_SLOT);
    expect(after(1000, once)).toBe(E_NO_SLOT);
    cancel(1);
    expect(after(1000, once)).toBe(1);
    cancel(0);
    expect(every(0, tick)).toBe(E_BAD_ARGUMENT);
    expect(after(0x80000000, once)).toBe(E_BAD_ARGUMENT);
    cancel(-1); // ignored
    cancel(TIMER_SLOTS); // ignored
  });

  test("a timer may start another in its own slot, or cancel itself", () => {
    after(10, chain);
    for (let i = 0; i < 5; i++) { clockAdvance(10); timersStep(); }
    expect(chained).toBe(3);
    expect(every(10, selfCancel)).toBe(0);
    for (let i = 0; i < 3; i++) { clockAdvance(10); timersStep(); }
    expect(ticks).toBe(1);
  });

  test("across the wrap of millis() at 2^32", () => {
    clockTo(0xFFFFFE0C); // 2^32 - 500
    every(1000, tick); // due at 500 after the wrap
    after(700, once); // due at 200
    clockTo(0xFFFFFFFF);
    timersStep();
    expect(ticks).toBe(0);
    expect(onces).toBe(0);
    clockAdvance(101); // now 100
    expect(timersStep()).toBe(100);
    clockAdvance(100); // 200
    timersStep();
    expect(onces).toBe(1);
    expect(ticks).toBe(0);
    clockAdvance(300); // 500
    timersStep();
    expect(ticks).toBe(1);
    expect(timersStep()).toBe(1000);
  });
});
