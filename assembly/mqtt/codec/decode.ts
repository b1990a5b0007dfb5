// Packet decoder: checks one complete packet (first byte + body) against
// the spec and leaves its fields in the globals below. Pointers refer into
// the caller's body buffer. Returns OK or a negative error; never traps.
import { OK, E_MALFORMED, E_BAD_QOS, E_UNEXPECTED } from "../../errors";
import * as T from "./constants";
import { checkTopicName, validUtf8 } from "./utf8";
import { checkFilterList } from "./encode";

export let pkType: u8 = 0;
export let pkFlags: u8 = 0;
export let packetId: i32 = 0;
/** PUBLISH topic, CONNECT will topic. */
export let topic: usize = 0;
export let topicLen: i32 = 0;
/** PUBLISH payload, CONNECT will payload, (UN)SUBSCRIBE list, SUBACK codes. */
export let payload: usize = 0;
export let payloadLen: i32 = 0;
export let qos: i32 = 0;
export let retain: bool = false;
export let dup: bool = false;
export let sessionPresent: bool = false;
export let returnCode: i32 = 0;
/** (UN)SUBSCRIBE filters / SUBACK codes. */
export let count: i32 = 0;
// CONNECT only (lengths are -1 when the field is absent)
export let clientId: usize = 0;
export let clientIdLen: i32 = 0;
export let keepAlive: i32 = 0;
export let cleanSession: bool = false;
export let hasWill: bool = false;
export let user: usize = 0;
export let userLen: i32 = -1;
export let pass: usize = 0;
export let passLen: i32 = -1;

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
    pkType = type;
    pkFlags = 0;
    packetId = 0;
    return decodeConnect(body, len);
  }
  if (type == T.SUBSCRIBE || type == T.UNSUBSCRIBE) {
    const r = decodeFromServer(first, body, len);
    if (r != E_UNEXPECTED) return r;
    if (len < 2) return E_MALFORMED;
    packetId = get16(body);
    if (packetId == 0) return E_MALFORMED;
    payload = body + 2;
    payloadLen = len - 2;
    const c = checkFilterList(payload, payloadLen, type == T.SUBSCRIBE);
    if (c < 0) return c;
    count = c;
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
  pkType = type;
  pkFlags = flags;
  packetId = 0;
  if (type == T.PUBLISH) return decodePublish(flags, body, len);
  if (type < T.CONNECT || type > T.DISCONNECT) return E_MALFORMED;
  if (flags != T.requiredFlags(type)) return E_MALFORMED; // 3.2.2.2
  if (type == T.CONNECT || type == T.SUBSCRIBE || type == T.UNSUBSCRIBE) return E_UNEXPECTED;
  if (type == T.PINGREQ || type == T.DISCONNECT) return len == 0 ? E_UNEXPECTED : E_MALFORMED;
  if (type == T.CONNACK) {
    if (len != 2) return E_MALFORMED;
    const f = load<u8>(body);
    returnCode = load<u8>(body + 1);
    if (f > 1 || (f == 1 && returnCode != 0)) return E_MALFORMED;
    sessionPresent = f == 1;
    return OK;
  }
  if (type >= T.PINGREQ) return len == 0 ? OK : E_MALFORMED;
  if (len < 2) return E_MALFORMED;
  packetId = get16(body);
  if (packetId == 0) return E_MALFORMED;
  if (type == T.SUBACK) {
    if (len < 3) return E_MALFORMED;
    payload = body + 2;
    payloadLen = count = len - 2;
    for (let i = 0; i < count; i++) {
      const c = load<u8>(payload + i);
      if (c > 2 && c != 0x80) return E_MALFORMED;
    }
    return OK;
  }
  // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
  return len == 2 ? OK : E_MALFORMED;
}

function decodePublish(flags: u8, body: usize, len: i32): i32 {
  qos = (flags >> 1) & 3;
  if (qos == 3) return E_BAD_QOS;
  dup = (flags & T.FLAG_DUP) != 0;
  retain = (flags & T.FLAG_RETAIN) != 0;
  cur = body;
  end = body + len;
  if (!field()) return E_MALFORMED;
  topic = fieldPtr;
  topicLen = fieldLen;
  const t = checkTopicName(topic, topicLen);
  if (t != OK) return t;
  if (qos > 0) {
    if (cur + 2 > end) return E_MALFORMED;
    packetId = get16(cur);
    if (packetId == 0) return E_MALFORMED;
    cur += 2;
  }
  payload = cur;
  payloadLen = <i32>(end - cur);
  return OK;
}

function decodeConnect(body: usize, len: i32): i32 {
  cur = body;
  end = body + len;
  if (!field() || fieldLen != 4 || load<u32>(fieldPtr) != 0x5454514D) return E_MALFORMED;
  if (cur + 4 > end) return E_MALFORMED;
  if (load<u8>(cur) != 4) return E_MALFORMED; // only protocol level 4
  const f = load<u8>(cur + 1);
  keepAlive = get16(cur + 2);
  cur += 4;
  if ((f & 1) != 0) return E_MALFORMED; // reserved, 3.1.2-3
  cleanSession = (f & 0x02) != 0;
  hasWill = (f & 0x04) != 0;
  qos = (f >> 3) & 3;
  retain = (f & 0x20) != 0;
  if (qos == 3) return E_BAD_QOS;
  if (!hasWill && (qos != 0 || retain)) return E_MALFORMED; // 3.1.2-11, -15
  if ((f & 0x40) != 0 && (f & 0x80) == 0) return E_MALFORMED; // 3.1.2-22
  if (!field() || !validUtf8(fieldPtr, fieldLen)) return E_MALFORMED;
  clientId = fieldPtr;
  clientIdLen = fieldLen;
  topicLen = payloadLen = userLen = passLen = -1;
  if (hasWill) {
    if (!field() || checkTopicName(fieldPtr, fieldLen) != OK) return E_MALFORMED;
    topic = fieldPtr;
    topicLen = fieldLen;
    if (!field()) return E_MALFORMED;
    payload = fieldPtr;
    payloadLen = fieldLen;
  }
  if ((f & 0x80) != 0) {
    if (!field() || !validUtf8(fieldPtr, fieldLen)) return E_MALFORMED;
    user = fieldPtr;
    userLen = fieldLen;
  }
  if ((f & 0x40) != 0) {
    if (!field()) return E_MALFORMED;
    pass = fieldPtr;
    passLen = fieldLen;
  }
  return cur == end ? OK : E_MALFORMED;
}
