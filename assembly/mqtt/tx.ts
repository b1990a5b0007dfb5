// The session's transmit buffer: whole packets appended at the tail,
// written from the head as the link takes them, one packet per write at
// most, so a WebSocket link frames one packet per frame, as mqtt.js, Paho
// and esp-mqtt do (some brokers' WebSocket front ends read one packet per
// frame, though [MQTT-6.0.0-2] allows more).
import { MAX_PACKET } from "../config";
import { encodeAck, encodeEmpty } from "./codec/encode";
import { transportWrite } from "../transport";
import * as stats from "./stats";

const tx: usize = memory.data(MAX_PACKET);
let head: i32 = 0;
let len: i32 = 0;
/** Bytes of the packet at head still to write. */
let pkt: i32 = 0;

export function txFree(): i32 { return MAX_PACKET - len; }
/** Bytes not yet written. */
export function txPending(): i32 { return len; }
export function txReset(): void { head = len = pkt = 0; }

/** Moves the bytes not yet written to the front. */
function compact(): void {
  if (head == 0) return;
  memory.copy(tx, tx + head, len - head);
  len -= head;
  head = 0;
}

/** Empties the buffer for a packet encoded at its start (MAX_PACKET
 * bytes: CONNECT, first on a new link); then txCommit(). */
export function txStart(): usize { txReset(); return tx; }
export function txCommit(n: i32): void { len += n; }

/** Appends bytes when they fit. */
export function txPut(p: usize, n: i32): bool {
  if (len + n > MAX_PACKET) compact();
  if (len + n > MAX_PACKET) return false;
  memory.copy(tx + len, p, n);
  len += n;
  return true;
}

/** Encodes a 4-byte ack straight in (the caller checked the room). */
export function txAck(type: u8, id: i32): void {
  compact();
  const r = encodeAck(tx + len, txFree(), type, id);
  if (r > 0) len += r;
}

/** PINGREQ or DISCONNECT; false when there is no room. */
export function txEmpty(type: u8): bool {
  const r = encodeEmpty(tx + len, txFree(), type);
  if (r > 0) len += r;
  return r > 0;
}

/** Writes what the link takes: 1 if it took bytes, 0 if none, -1 if the
 * link failed. */
export function txWrite(): i32 {
  let took = 0;
  while (head < len) {
    if (pkt == 0) {
      // the whole packet: its fixed header, then the remaining length it gives
      let i = 1;
      let rem = 0;
      let b: i32 = 0x80;
      while ((b & 0x80) != 0 && i < 5 && head + i < len) {
        b = load<u8>(tx + head + i);
        rem |= (b & 0x7F) << (7 * (i - 1));
        i++;
      }
      pkt = min(i + rem, len - head);
    }
    const w = transportWrite(tx + head, pkt);
    if (w < 0) return -1;
    if (w == 0) break;
    head += w;
    pkt -= w;
    took = 1;
    stats.add(stats.BYTES_OUT, w);
  }
  if (head == len) head = len = 0;
  return took;
}
