// Counters the app and host can read (exported as counter(i)). Their names
// go to the hosts through scripts/gen-tables.ts: each needs its doc comment.

/** messages published and done (QoS 0 handed to the link, QoS 1/2 acknowledged) */
export const PUBLISHED = 0;
/** messages received from the broker */
export const RECEIVED = 1;
/** bytes written to the link (MQTT packets, before any WebSocket or TLS framing) */
export const BYTES_OUT = 2;
/** bytes read from the link (MQTT packets) */
export const BYTES_IN = 3;
/** connections lost and made again */
export const RECONNECTS = 4;
/** errors reported (error events) */
export const ERRORS = 5;
/** inbound messages dropped (larger than the packet buffer) */
export const DROPPED = 6;
export const COUNT = 7;

const counters: usize = memory.data(COUNT * 4, 4);

export function bump(i: i32): void { add(i, 1); }
export function add(i: i32, v: i32): void { store<u32>(counters + (i << 2), load<u32>(counters + (i << 2)) + v); }
export function get(i: i32): u32 { return i >= 0 && i < COUNT ? load<u32>(counters + (i << 2)) : 0; }
