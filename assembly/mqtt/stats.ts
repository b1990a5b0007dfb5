// Counters the app and host can read (exported as counter(i)).

export const PUBLISHED = 0;
export const RECEIVED = 1;
export const BYTES_OUT = 2;
export const BYTES_IN = 3;
export const RECONNECTS = 4;
export const ERRORS = 5;
export const DROPPED = 6;
export const COUNT = 7;

const counters: usize = memory.data(COUNT * 4, 4);

export function bump(i: i32): void { add(i, 1); }
export function add(i: i32, v: i32): void { store<u32>(counters + (i << 2), load<u32>(counters + (i << 2)) + v); }
export function get(i: i32): u32 { return i >= 0 && i < COUNT ? load<u32>(counters + (i << 2)) : 0; }
