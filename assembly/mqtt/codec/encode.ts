// Packet encoders: pure functions that write one packet to out[0..cap) and
// return its length, or a negative error. Nothing else is touched.
import { OK, E_BUFFER_TOO_SHORT, E_BAD_QOS, E_BAD_ARGUMENT, E_MALFORMED, E_PACKET_TOO_LARGE } from "../../errors";
import * as T from "./constants";
import { checkTopicName, checkTopicFilter, validUtf8 } from "./utf8";
import { Options } from "../options";

/** Bytes the remaining-length field takes for v. */
export function varintSize(v: i32): i32 {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
}

/** Writes the remaining length; returns the bytes written. */
export function writeVarint(p: usize, v: i32): i32 {
  let n = 0;
  do {
    let b = <u8>(v & 0x7F);
    v >>>= 7;
    if (v > 0) b |= 0x80;
    store<u8>(p + n++, b);
  } while (v > 0);
  return n;
}

// @ts-ignore: decorator
@inline function put16(p: usize, v: i32): void {
  store<u8>(p, <u8>(v >> 8));
  store<u8>(p + 1, <u8>v);
}

/** Writes a length-prefixed string; returns the position after it. */
function putStr(p: usize, s: usize, n: i32): usize {
  put16(p, n);
  memory.copy(p + 2, s, n);
  return p + 2 + n;
}

/** Writes the fixed header for `rem` body bytes if the whole packet fits. */
function header(out: usize, cap: i32, first: u8, rem: i32): i32 {
  if (rem > T.MAX_REMAINING) return E_PACKET_TOO_LARGE;
  const total = 1 + varintSize(rem) + rem;
  if (total > cap) return E_BUFFER_TOO_SHORT;
  store<u8>(out, first);
  return 1 + writeVarint(out + 1, rem);
}

/**
 * CONNECT from the options record. Absent fields have a negative length:
 * user, password (which needs a user, 3.1.2.9) and will (willTopicLen < 0).
 */
export function encodeConnect(out: usize, cap: i32, o: Options): i32 {
  if (o.keepAlive < 0 || o.keepAlive > 65535) return E_BAD_ARGUMENT;
  const will = o.willTopicLen >= 0;
  const user = o.userLen >= 0;
  if (will && o.willQos > 2) return E_BAD_QOS;
  if (o.passLen >= 0 && !user) return E_BAD_ARGUMENT; // 3.1.2-22
  let flags: u8 = (o.clean ? 0x02 : 0) | (user ? 0x80 : 0) | (o.passLen >= 0 ? 0x40 : 0);
  if (will) flags |= 0x04 | <u8>(o.willQos << 3) | (o.willRetain ? 0x20 : 0);
  // the payload's strings, (pointer, length) pairs from clientId on
  const f = changetype<usize>(o) + offsetof<Options>("clientId");
  let rem = 10;
  for (let k = 0; k < 5; k++) {
    const p = load<usize>(f + (k << 3));
    const n = load<i32>(f + (k << 3), sizeof<usize>());
    if (k > 0 && (k < 3 ? !will : n < 0)) continue;
    if (n < 0 || n > 65535) return E_BAD_ARGUMENT;
    if ((k == 0 || k == 3) && !validUtf8(p, n)) return E_BAD_ARGUMENT;
    if (k == 1 && checkTopicName(p, n) != OK) return E_BAD_ARGUMENT;
    rem += 2 + n;
  }
  if (o.clientIdLen == 0 && !o.clean) return E_BAD_ARGUMENT; // 3.1.3.1
  const h = header(out, cap, T.CONNECT << 4, rem);
  if (h < 0) return h;
  let q = out + h;
  put16(q, 4);
  store<u32>(q + 2, 0x5454514D); // "MQTT"
  store<u8>(q + 6, o.version); // protocol level (4: 3.1.1)
  store<u8>(q + 7, flags);
  put16(q + 8, o.keepAlive);
  q += 10;
  for (let k = 0; k < 5; k++) {
    const n = load<i32>(f + (k << 3), sizeof<usize>());
    if (k > 0 && (k < 3 ? !will : n < 0)) continue;
    q = putStr(q, load<usize>(f + (k << 3)), n);
  }
  return <i32>(q - out);
}

export function encodeConnack(out: usize, cap: i32, sessionPresent: bool, rc: i32): i32 {
  if (rc < 0 || rc > 255 || (sessionPresent && rc != 0)) return E_BAD_ARGUMENT;
  const h = header(out, cap, T.CONNACK << 4, 2);
  if (h < 0) return h;
  store<u8>(out + 2, sessionPresent ? 1 : 0);
  store<u8>(out + 3, <u8>rc);
  return 4;
}

export function encodePublish(
  out: usize, cap: i32, topic: usize, topicLen: i32, payload: usize, payloadLen: i32,
  qos: i32, retain: bool, dup: bool, packetId: i32
): i32 {
  if (qos < 0 || qos > 2) return E_BAD_QOS;
  if (qos > 0 && (packetId < 1 || packetId > 65535)) return E_BAD_ARGUMENT;
  if (qos == 0 && dup) return E_BAD_ARGUMENT; // 3.3.1.1
  const t = checkTopicName(topic, topicLen);
  if (t != OK) return t;
  if (payloadLen < 0) return E_BAD_ARGUMENT;
  if (payloadLen > T.MAX_REMAINING) return E_PACKET_TOO_LARGE; // the sum below would overflow i32
  const first = <u8>((T.PUBLISH << 4) | (qos << 1)) | (dup ? T.FLAG_DUP : 0) | (retain ? T.FLAG_RETAIN : 0);
  const h = header(out, cap, first, 2 + topicLen + (qos > 0 ? 2 : 0) + payloadLen);
  if (h < 0) return h;
  let p = putStr(out + h, topic, topicLen);
  if (qos > 0) { put16(p, packetId); p += 2; }
  memory.copy(p, payload, payloadLen);
  return <i32>(p + payloadLen - out);
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: type + packet id. */
export function encodeAck(out: usize, cap: i32, type: u8, packetId: i32): i32 {
  // PUBACK 4, PUBREC 5, PUBREL 6, PUBCOMP 7, UNSUBACK 11, as a bit set
  if (type > 15 || ((0x08F0 >> type) & 1) == 0) return E_BAD_ARGUMENT;
  if (packetId < 1 || packetId > 65535) return E_BAD_ARGUMENT;
  const h = header(out, cap, (type << 4) | T.requiredFlags(type), 2);
  if (h < 0) return h;
  put16(out + 2, packetId);
  return 4;
}

/** PINGREQ, PINGRESP and DISCONNECT. */
export function encodeEmpty(out: usize, cap: i32, type: u8): i32 {
  if (type < T.PINGREQ || type > T.DISCONNECT) return E_BAD_ARGUMENT; // 12, 13, 14
  const h = header(out, cap, type << 4, 0);
  return h < 0 ? h : 2;
}

/**
 * Checks a subscribe list in wire form ([u16 len][filter][qos] ... for
 * SUBSCRIBE, no qos byte for UNSUBSCRIBE); returns the entry count.
 */
export function checkFilterList(list: usize, n: i32, withQos: bool): i32 {
  let i = 0;
  let count = 0;
  while (i < n) {
    if (i + 2 > n) return E_MALFORMED;
    const len = (<i32>load<u8>(list + i) << 8) | load<u8>(list + i + 1);
    i += 2;
    if (i + len + (withQos ? 1 : 0) > n) return E_MALFORMED;
    const r = checkTopicFilter(list + i, len);
    if (r != OK) return r;
    i += len;
    if (withQos) {
      if (load<u8>(list + i) > 2) return E_BAD_QOS;
      i++;
    }
    count++;
  }
  return count > 0 ? count : E_MALFORMED; // 3.8.3-3, 3.10.3-2
}

function encodeList(out: usize, cap: i32, type: u8, packetId: i32, list: usize, n: i32): i32 {
  if (packetId < 1 || packetId > 65535) return E_BAD_ARGUMENT;
  if (n > T.MAX_REMAINING - 2) return E_PACKET_TOO_LARGE;
  const c = checkFilterList(list, n, type == T.SUBSCRIBE);
  if (c < 0) return c;
  const h = header(out, cap, (type << 4) | 2, 2 + n);
  if (h < 0) return h;
  put16(out + h, packetId);
  memory.copy(out + h + 2, list, n);
  return h + 2 + n;
}

export function encodeSubscribe(out: usize, cap: i32, packetId: i32, list: usize, n: i32): i32 {
  return encodeList(out, cap, T.SUBSCRIBE, packetId, list, n);
}

export function encodeUnsubscribe(out: usize, cap: i32, packetId: i32, list: usize, n: i32): i32 {
  return encodeList(out, cap, T.UNSUBSCRIBE, packetId, list, n);
}

/** SUBACK with n return codes (0, 1, 2 or 0x80). */
export function encodeSuback(out: usize, cap: i32, packetId: i32, codes: usize, n: i32): i32 {
  if (packetId < 1 || packetId > 65535 || n < 1) return E_BAD_ARGUMENT;
  if (n > T.MAX_REMAINING - 2) return E_PACKET_TOO_LARGE;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(codes + i);
    if (c > 2 && c != 0x80) return E_BAD_ARGUMENT;
  }
  const h = header(out, cap, T.SUBACK << 4, 2 + n);
  if (h < 0) return h;
  put16(out + h, packetId);
  memory.copy(out + h + 2, codes, n);
  return h + 2 + n;
}
