// Packet decoder: checks one complete packet (first byte + body) against
// the spec and leaves its fields in the static record `pk`. Pointers refer into
// the caller's body buffer. Returns OK or a negative error; never traps.
import { OK, E_MALFORMED, E_BAD_QOS, E_UNEXPECTED } from "../../errors";
import * as T from "./constants";
import { checkTopicName, validUtf8 } from "./utf8";
import { checkFilterList } from "./encode";
import { MQTT_3_1_1, Options } from "../options";

/** What the last decode found: one static record, overwritten by each call
 * (valid until the next). Lengths are -1 when the field is absent. */
@unmanaged
export class Packet {
  /** PUBLISH topic, CONNECT will topic. */
  topic: usize;
  /** PUBLISH payload, CONNECT will payload, (UN)SUBSCRIBE list, SUBACK codes. */
  payload: usize;
  topicLen: i32;
  payloadLen: i32;
  /** (UN)SUBSCRIBE filters / SUBACK codes. */
  count: i32;
  packetId: i32;
  type: u8;
  flags: u8;
  /** PUBLISH (and CONNECT will) QoS and retain; PUBLISH dup. */
  qos: u8;
  retain: bool;
  dup: bool;
  /** CONNACK. */
  sessionPresent: bool;
  returnCode: u8;
}

export const pk = changetype<Packet>(memory.data(offsetof<Packet>(), 4));

/** A decoded CONNECT (the broker's view, for tests and tools): the options
 * record encodeConnect() takes, filled back from the bytes. A function, so
 * the firmware, which never decodes a CONNECT, keeps no RAM for it. */
export function connect(): Options { return changetype<Options>(memory.data(offsetof<Options>(), 4)); }

// @ts-ignore: decorator
@inline function get16(p: usize): i32 {
  return (<i32>load<u8>(p) << 8) | load<u8>(p + 1);
}

// Cursor over the body while a variable-length packet is read.
let cur: usize = 0;
let end: usize = 0;

/** Reads a length-prefixed field; sets fieldPtr/fieldLen, false if it overruns. */
let fieldPtr: usize = 0;
let fieldLen: i32 = 0;
function field(): bool {
  if (cur + 2 > end) return false;
  fieldLen = get16(cur);
  fieldPtr = cur + 2;
  if (fieldPtr + fieldLen > end) return false;
  cur = fieldPtr + fieldLen;
  return true;
}

/** Any of the 14 packet types (a broker's view, and the tests'). */
export function decodePacket(first: u8, body: usize, len: i32): i32 {
  const type = first >> 4;
  if (type == T.CONNECT && (first & 0x0F) == 0) {
    pk.type = type;
    pk.flags = 0;
    pk.packetId = 0;
    return decodeConnect(body, len);
  }
  if (type == T.SUBSCRIBE || type == T.UNSUBSCRIBE) {
    const r = decodeFromServer(first, body, len);
    if (r != E_UNEXPECTED) return r;
    if (len < 2) return E_MALFORMED;
    pk.packetId = get16(body);
    if (pk.packetId == 0) return E_MALFORMED;
    pk.payload = body + 2;
    pk.payloadLen = len - 2;
    const c = checkFilterList(pk.payload, pk.payloadLen, type == T.SUBSCRIBE);
    if (c < 0) return c;
    pk.count = c;
    return OK;
  }
  const r = decodeFromServer(first, body, len);
  return r == E_UNEXPECTED ? OK : r; // PINGREQ, DISCONNECT: nothing to read
}

/**
 * The packets a client can receive. Those only a client sends (CONNECT,
 * SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT) give E_UNEXPECTED once their
 * fixed header checks out; the firmware links none of their decoders.
 */
export function decodeFromServer(first: u8, body: usize, len: i32): i32 {
  const type = first >> 4;
  const flags = first & 0x0F;
  pk.type = type;
  pk.flags = flags;
  pk.packetId = 0;
  if (type == T.PUBLISH) return decodePublish(flags, body, len);
  if (type < T.CONNECT || type > T.DISCONNECT) return E_MALFORMED;
  if (flags != T.requiredFlags(type)) return E_MALFORMED; // 3.2.2.2
  if (type == T.CONNECT || type == T.SUBSCRIBE || type == T.UNSUBSCRIBE) return E_UNEXPECTED;
  if (type == T.PINGREQ || type == T.DISCONNECT) return len == 0 ? E_UNEXPECTED : E_MALFORMED;
  if (type == T.CONNACK) {
    if (len != 2) return E_MALFORMED;
    const f = load<u8>(body);
    pk.returnCode = load<u8>(body + 1);
    if (f > 1 || (f == 1 && pk.returnCode != 0)) return E_MALFORMED;
    pk.sessionPresent = f == 1;
    return OK;
  }
  if (type >= T.PINGREQ) return len == 0 ? OK : E_MALFORMED;
  if (len < 2) return E_MALFORMED;
  pk.packetId = get16(body);
  if (pk.packetId == 0) return E_MALFORMED;
  if (type == T.SUBACK) {
    if (len < 3) return E_MALFORMED;
    pk.payload = body + 2;
    pk.payloadLen = pk.count = len - 2;
    for (let i = 0; i < pk.count; i++) {
      const c = load<u8>(pk.payload + i);
      if (c > 2 && c != 0x80) return E_MALFORMED;
    }
    return OK;
  }
  // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
  return len == 2 ? OK : E_MALFORMED;
}

function decodePublish(flags: u8, body: usize, len: i32): i32 {
  pk.qos = (flags >> 1) & 3;
  if (pk.qos == 3) return E_BAD_QOS;
  pk.dup = (flags & T.FLAG_DUP) != 0;
  pk.retain = (flags & T.FLAG_RETAIN) != 0;
  cur = body;
  end = body + len;
  if (!field()) return E_MALFORMED;
  pk.topic = fieldPtr;
  pk.topicLen = fieldLen;
  const t = checkTopicName(pk.topic, pk.topicLen);
  if (t != OK) return t;
  if (pk.qos > 0) {
    if (cur + 2 > end) return E_MALFORMED;
    pk.packetId = get16(cur);
    if (pk.packetId == 0) return E_MALFORMED;
    cur += 2;
  }
  pk.payload = cur;
  pk.payloadLen = <i32>(end - cur);
  return OK;
}

function decodeConnect(body: usize, len: i32): i32 {
  const o = connect();
  cur = body;
  end = body + len;
  if (!field() || fieldLen != 4 || load<u32>(fieldPtr) != 0x5454514D) return E_MALFORMED;
  if (cur + 4 > end) return E_MALFORMED;
  o.version = load<u8>(cur);
  if (o.version != MQTT_3_1_1) return E_MALFORMED; // only 3.1.1
  const f = load<u8>(cur + 1);
  o.keepAlive = get16(cur + 2);
  cur += 4;
  if ((f & 1) != 0) return E_MALFORMED; // reserved, 3.1.2-3
  o.clean = (f & 0x02) != 0;
  const hasWill = (f & 0x04) != 0;
  pk.qos = o.willQos = (f >> 3) & 3;
  pk.retain = o.willRetain = (f & 0x20) != 0;
  if (pk.qos == 3) return E_BAD_QOS;
  if (!hasWill && (pk.qos != 0 || pk.retain)) return E_MALFORMED; // 3.1.2-11, -15
  if ((f & 0x40) != 0 && (f & 0x80) == 0) return E_MALFORMED; // 3.1.2-22
  if (!field() || !validUtf8(fieldPtr, fieldLen)) return E_MALFORMED;
  o.clientId = fieldPtr;
  o.clientIdLen = fieldLen;
  pk.topicLen = pk.payloadLen = o.willTopicLen = o.userLen = o.passLen = -1;
  o.willPayloadLen = 0;
  if (hasWill) {
    if (!field() || checkTopicName(fieldPtr, fieldLen) != OK) return E_MALFORMED;
    pk.topic = o.willTopic = fieldPtr;
    pk.topicLen = o.willTopicLen = fieldLen;
    if (!field()) return E_MALFORMED;
    pk.payload = o.willPayload = fieldPtr;
    pk.payloadLen = o.willPayloadLen = fieldLen;
  }
  if ((f & 0x80) != 0) {
    if (!field() || !validUtf8(fieldPtr, fieldLen)) return E_MALFORMED;
    o.user = fieldPtr;
    o.userLen = fieldLen;
  }
  if ((f & 0x40) != 0) {
    if (!field()) return E_MALFORMED;
    o.pass = fieldPtr;
    o.passLen = fieldLen;
  }
  return cur == end ? OK : E_MALFORMED;
}
