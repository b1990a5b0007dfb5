// The app's timers: a fixed table (TIMER_SLOTS in config.ts), stepped from
// the firmware's loop(), which sleeps no longer than the next one is due.
// Times are millis() and compared by difference, so they survive its wrap
// at 2^32 ms (49.7 days).
import { TIMER_SLOTS } from "../config";
import { E_NO_SLOT, E_BAD_ARGUMENT } from "../errors";
import { millis } from "../host/abi";

// a slot: [u16 fn][u16 kind][u32 period][u32 due]; kind 0 free, 1 once, 2 every
const SLOT: i32 = 12;
const table: usize = memory.data(TIMER_SLOTS * SLOT, 4);
const FREE: u16 = 0;
const ONCE: u16 = 1;
const EVERY: u16 = 2;

// @ts-ignore: decorator
@inline function slot(i: i32): usize { return table + <usize>(i * SLOT); }

function add(ms: u32, fn: () => void, kind: u16): i32 {
  const f = changetype<usize>(fn);
  if (f == 0 || (kind == EVERY && ms == 0) || ms > 0x7FFFFFFF) return E_BAD_ARGUMENT;
  for (let i = 0; i < TIMER_SLOTS; i++) {
    const s = slot(i);
    if (load<u16>(s, 2) != FREE) continue;
    store<u16>(s, <u16>f);
    store<u16>(s, kind, 2);
    store<u32>(s, ms, 4);
    store<u32>(s, millis() + ms, 8);
    return i;
  }
  return E_NO_SLOT;
}

/** Calls fn every ms milliseconds (the first time ms from now). The timer's
 * id, or E_NO_SLOT when every slot is taken, E_BAD_ARGUMENT for 0 ms. */
export function every(ms: u32, fn: () => void): i32 { return add(ms, fn, EVERY); }

/** Calls fn once, ms milliseconds from now. The timer's id or E_NO_SLOT. */
export function after(ms: u32, fn: () => void): i32 { return add(ms, fn, ONCE); }

/** Stops a timer; an id that is not running is ignored. */
export function cancel(id: i32): void {
  if (<u32>id < <u32>TIMER_SLOTS) store<u16>(slot(id), FREE, 2);
}

/** Runs the timers that are due; returns ms until the next one is (0xFFFFFFFF: none). */
export function timersStep(): u32 {
  let sleep: u32 = 0xFFFFFFFF;
  for (let i = 0; i < TIMER_SLOTS; i++) {
    const s = slot(i);
    const kind = load<u16>(s, 2);
    if (kind == FREE) continue;
    const now = millis();
    const due = load<u32>(s, 8);
    const left = <i32>(due - now);
    if (left > 0) { sleep = min(sleep, <u32>left); continue; }
    const fn = <usize>load<u16>(s);
    if (kind == ONCE) {
      // freed before the call, so fn may start another timer in its place
      store<u16>(s, FREE, 2);
    } else {
      const period = load<u32>(s, 4);
      // the next due time keeps its phase; a loop that fell behind by a
      // whole period or more does not make up the missed calls
      let next = due + period;
      if (<i32>(next - now) <= 0) next = now + period;
      store<u32>(s, next, 8);
    }
    changetype<() => void>(fn)();
    // fn may have started a timer in a slot already passed: look again soon
    sleep = 0;
  }
  return sleep;
}
