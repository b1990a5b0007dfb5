// The outbox: every packet that needs an answer or waits for the link,
// in order, as encoded bytes in one fixed pool. A record is queued, then
// sent and kept until its acknowledgement; removal compacts the pool (as
// coreMQTT compacts its state arrays), so order is kept without links.
import { OUTBOX_BYTES, OUTBOX_SLOTS } from "../config";
import { PUBLISH } from "./codec/constants";

/** Waiting for the link or for a free in-flight slot. */
export const QUEUED: u8 = 0;
/** Written; waiting for PUBACK / PUBREC / SUBACK / UNSUBACK. */
export const SENT: u8 = 1;
/** QoS 2 publish acknowledged by PUBREC; PUBREL still to write. */
export const REL_QUEUED: u8 = 2;
/** PUBREL written; waiting for PUBCOMP. */
export const REL_SENT: u8 = 3;

const pool: usize = memory.data(OUTBOX_BYTES, 4);
const states: usize = memory.data(OUTBOX_SLOTS);
const offs: usize = memory.data(OUTBOX_SLOTS * 2, 2);
let n: i32 = 0;
let used: i32 = 0;

export function count(): i32 { return n; }
export function freeBytes(): i32 { return OUTBOX_BYTES - used; }
export function hasRoom(bytes: i32): bool { return n < OUTBOX_SLOTS && bytes <= OUTBOX_BYTES - used; }

export function state(i: i32): u8 { return load<u8>(states + i); }
export function setState(i: i32, s: u8): void { store<u8>(states + i, s); }
/** Packet id of record i, read from its bytes (0 for a QoS 0 PUBLISH):
 * after the remaining length, past the topic of a PUBLISH. */
export function id(i: i32): i32 {
  let p = body(i);
  const first = load<u8>(ptr(i));
  if (first >> 4 == PUBLISH) {
    if ((first & 6) == 0) return 0;
    p += 2 + ((<i32>load<u8>(p) << 8) | load<u8>(p + 1));
  }
  return (<i32>load<u8>(p) << 8) | load<u8>(p + 1);
}
/** Where record i's body starts (past its remaining length). */
export function body(i: i32): usize {
  let p = ptr(i) + 2;
  while ((load<u8>(p - 1) & 0x80) != 0) p++;
  return p;
}
export function ptr(i: i32): usize { return pool + load<u16>(offs + (i << 1)); }
/** Bytes of record i: records lie back to back in the pool, in order. */
export function len(i: i32): i32 { return (i + 1 < n ? <i32>load<u16>(offs + ((i + 1) << 1)) : used) - load<u16>(offs + (i << 1)); }
/** Packet type of record i (high nibble of its first byte). */
export function type(i: i32): u8 { return load<u8>(ptr(i)) >> 4; }
/** QoS of a PUBLISH record. */
export function qos(i: i32): i32 { return (load<u8>(ptr(i)) >> 1) & 3; }

/** Where the next record's bytes go; encode there, then commit(). */
export function tail(): usize { return pool + used; }

export function commit(bytes: i32): void {
  store<u8>(states + n, QUEUED);
  store<u16>(offs + (n << 1), <u16>used);
  n++;
  used += bytes;
}

/** Index of the record with this packet id and type, or -1. */
export function find(packetId: i32, t: u8): i32 {
  for (let i = 0; i < n; i++) {
    if (id(i) == packetId && type(i) == t) return i;
  }
  return -1;
}

/** True while any record holds this packet id. */
export function idInUse(packetId: i32): bool {
  for (let i = 0; i < n; i++) if (id(i) == packetId) return true;
  return false;
}

export function remove(i: i32): void {
  const off = <i32>load<u16>(offs + (i << 1));
  const l = len(i);
  memory.copy(pool + off, pool + off + l, used - off - l);
  used -= l;
  const rest = n - i - 1;
  memory.copy(states + i, states + i + 1, rest);
  memory.copy(offs + (i << 1), offs + ((i + 1) << 1), rest << 1);
  n--;
  for (let k = i; k < n; k++) store<u16>(offs + (k << 1), <u16>(load<u16>(offs + (k << 1)) - l));
}

function reverse(a: usize, b: usize): void {
  while (a + 1 < b) {
    b--;
    const t = load<u8>(a);
    store<u8>(a, load<u8>(b));
    store<u8>(b, t);
    a++;
  }
}

/** Moves the newest record to the front (renewed subscriptions go first). */
export function lastToFront(): void {
  if (n < 2) return;
  const l = len(n - 1);
  const st = state(n - 1);
  // rotate the pool right by l bytes, in place
  reverse(pool, pool + used - l);
  reverse(pool + used - l, pool + used);
  reverse(pool, pool + used);
  for (let k = n - 1; k > 0; k--) {
    store<u8>(states + k, load<u8>(states + k - 1));
    store<u16>(offs + (k << 1), <u16>(load<u16>(offs + ((k - 1) << 1)) + l));
  }
  store<u8>(states, st);
  store<u16>(offs, 0);
}

export function clear(): void {
  n = 0;
  used = 0;
}
