// The modem link's two byte queues: data received from the modem waiting
// for the session, and data the session wrote waiting for the next send
// command. Both fixed, sized in config.ts.
import { LINK_RX_BYTES, LINK_TX_BYTES } from "../config";

//
// Received bytes go in tentatively (pending, after the readable ones) and
// become readable only when the modem's response that carried them has
// ended in OK (rxCommit): a module that resets in the middle of a counted
// read fills the missing bytes with its boot noise, and MQTT has no
// checksum to catch it. Unconfirmed bytes are dropped (rxDrop). Pushed
// data (+IPD) holds back at most half the ring (rxRelease, see at.ts).
const rx: usize = memory.data(LINK_RX_BYTES);
let rxHead: i32 = 0;
let rxCount: i32 = 0;
/** Bytes put after the readable ones, not yet confirmed. */
export let rxPend: i32 = 0;
const tx: usize = memory.data(LINK_TX_BYTES);
let txCount: i32 = 0;

export function rxFree(): i32 { return LINK_RX_BYTES - rxCount - rxPend; }
/** Readable bytes (confirmed ones only). */
export function rxUsed(): i32 { return rxCount; }

/** Puts a byte in tentatively. */
export function rxPut(b: u8): bool {
  if (rxFree() <= 0) return false;
  store<u8>(rx + (rxHead + rxCount + rxPend) % LINK_RX_BYTES, b);
  rxPend++;
  return true;
}

/** The oldest pending byte becomes readable unconfirmed (a pushed burst
 * longer than the part of the ring that holds bytes back). */
export function rxRelease(): void { rxCount++; rxPend--; }

/** The pending bytes' response ended in OK: they become readable. */
export function rxCommit(): void { rxCount += rxPend; rxPend = 0; }

/** Forgets the pending bytes; returns how many there were. */
export function rxDrop(): i32 {
  const n = rxPend;
  rxPend = 0;
  return n;
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

export function clear(): void { rxHead = rxCount = txCount = rxPend = 0; }
