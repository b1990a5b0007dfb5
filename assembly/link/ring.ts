// The modem link's two byte queues: data received from the modem waiting
// for the session, and data the session wrote waiting for the next send
// command. Both fixed, sized in config.ts.
import { LINK_RX_BYTES, LINK_TX_BYTES } from "../config";

const rx: usize = memory.data(LINK_RX_BYTES);
let rxHead: i32 = 0;
let rxCount: i32 = 0;
const tx: usize = memory.data(LINK_TX_BYTES);
let txCount: i32 = 0;

export function rxFree(): i32 { return LINK_RX_BYTES - rxCount; }
export function rxUsed(): i32 { return rxCount; }

export function rxPut(b: u8): bool {
  if (rxCount >= LINK_RX_BYTES) return false;
  store<u8>(rx + (rxHead + rxCount) % LINK_RX_BYTES, b);
  rxCount++;
  return true;
}

/** Takes up to n bytes; returns how many. */
export function rxTake(p: usize, n: i32): i32 {
  let k = 0;
  while (k < n && rxCount > 0) {
    const run = min(min(n - k, rxCount), LINK_RX_BYTES - rxHead);
    memory.copy(p + k, rx + rxHead, run);
    k += run;
    rxHead = (rxHead + run) % LINK_RX_BYTES;
    rxCount -= run;
  }
  return k;
}

/** Appends up to n bytes for sending; returns how many fit. */
export function txPut(p: usize, n: i32): i32 {
  const k = min(n, LINK_TX_BYTES - txCount);
  memory.copy(tx + txCount, p, k);
  txCount += k;
  return k;
}

export function txData(): usize { return tx; }
export function txUsed(): i32 { return txCount; }

/** Drops the first n bytes (they were sent). */
export function txDrop(n: i32): void {
  memory.copy(tx, tx + n, txCount - n);
  txCount -= n;
}

export function clear(): void { rxHead = rxCount = txCount = 0; }
