// Packet ids of inbound QoS 2 messages already delivered and not yet
// released (PUBREC sent, PUBREL awaited): a repeat is acknowledged, not
// delivered again. Kept across reconnects while the session is.
import { QOS2_IN_SLOTS } from "../config";

const slots: usize = memory.data(QOS2_IN_SLOTS * 2, 2);
let n: i32 = 0;

function indexOf(id: i32): i32 {
  for (let i = 0; i < n; i++) if (<i32>load<u16>(slots + (i << 1)) == id) return i;
  return -1;
}

export function has(id: i32): bool { return indexOf(id) >= 0; }
export function full(): bool { return n >= QOS2_IN_SLOTS; }

export function add(id: i32): void {
  store<u16>(slots + (n << 1), <u16>id);
  n++;
}

export function release(id: i32): void {
  const i = indexOf(id);
  if (i < 0) return;
  n--;
  store<u16>(slots + (i << 1), load<u16>(slots + (n << 1)));
}

export function clear(): void { n = 0; }
export function count(): i32 { return n; }
