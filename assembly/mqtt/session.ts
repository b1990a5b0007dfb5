// The MQTT session as a state machine stepped by poll(): opening the link,
// CONNECT/CONNACK, keep alive, the outbox flows of QoS 1 and 2, inbound
// acknowledgements, and reconnect with backoff. Nothing here waits.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as E from "../errors";
import * as T from "./codec/constants";
import * as D from "./codec/decode";
import { encodeConnect, encodePublish, encodeAck, encodeEmpty, encodeSubscribe, encodeUnsubscribe, checkFilterList, varintSize } from "./codec/encode";
import { checkTopicName } from "./codec/utf8";
import { Parser } from "./codec/parser";
import * as ob from "./outbox";
import * as q2 from "./inbound";
import * as router from "./router";
import { LINK_UP, LINK_DOWN } from "../link/link";
import { transportPoll, transportSleep, transportPendingOut, transportOpen, transportState, transportRead, transportWrite, transportClose, transportError, transportErrorDetail } from "../transport";
import { millis, randomFill, hostEvent } from "../host/abi";
import { EV_CONNECTED, EV_DISCONNECTED, EV_SUBSCRIBED, EV_UNSUBSCRIBED, EV_PUBLISHED, EV_ERROR } from "../host/events";
import { logStart, logStr, logInt, logEnd, LOG_WARN, LOG_INFO } from "../host/log";
import * as stats from "./stats";

// Session states, reported by state().
export const ST_IDLE = 0;
export const ST_BACKOFF = 1;
export const ST_OPENING = 2;
export const ST_CONNACK = 3;
export const ST_CONNECTED = 4;
export const ST_CLOSING = 5;

// ---- configuration, set once by the app before start() ----
export let host: usize = 0;
export let hostLen: i32 = 0;
export let port: i32 = 1883;
export let secure: bool = false;
/** WebSocket path (ws:// URLs). */
export let path: usize = 0;
export let pathLen: i32 = 0;
export let clientId: usize = 0;
export let clientIdLen: i32 = 0;
export let user: usize = 0;
export let userLen: i32 = -1;
export let pass: usize = 0;
export let passLen: i32 = -1;
export let willTopic: usize = 0;
export let willTopicLen: i32 = -1;
export let willPayload: usize = 0;
export let willPayloadLen: i32 = 0;
export let willQos: i32 = 0;
export let willRetain: bool = false;
export let keepAliveS: i32 = C.KEEPALIVE_S;
export let cleanSession: bool = true;

// ---- buffers: TX and RX apart, so a handler may publish ----
const tx: usize = memory.data(C.MAX_PACKET);
const rx: usize = memory.data(C.MAX_PACKET);
const skip: usize = memory.data(32);
let txHead: i32 = 0;
let txLen: i32 = 0;
/** Bytes of the packet at txHead still to write: each write carries one
 * packet at most, so a WebSocket link frames one packet per frame, as
 * mqtt.js, Paho and esp-mqtt do (some brokers' WebSocket front ends read
 * one packet per frame, though [MQTT-6.0.0-2] allows more). */
let txPkt: i32 = 0;
// static under the firmware's stub runtime; a GC runtime (the unit tests')
// must own every object it can reach, so there it is allocated
const parser = ASC_RUNTIME == 0
  ? Parser.at(memory.data(offsetof<Parser>(), 8), rx, C.MAX_PACKET, skip, 32)
  : new Parser(rx, C.MAX_PACKET, skip, 32);

let st: i32 = ST_IDLE;
let since: u32 = 0; // when the current state began
let retryAt: u32 = 0;
let backoff: u32 = C.BACKOFF_MIN_MS;
let lastRx: u32 = 0;
let lastTx: u32 = 0;
let pingSentAt: u32 = 0;
let pingOut: bool = false;
let nextId: i32 = 0;
let inflight: i32 = 0;
let connectedOnce: bool = false;

export function state(): i32 { return st; }
export function connected(): bool { return st == ST_CONNECTED; }
/** Records in the outbox: queued, in flight or awaiting PUBCOMP. */
export function pending(): i32 { return ob.count(); }

// @ts-ignore: decorator
@inline function since_(t: u32, now: u32): u32 { return now - t; }

/** Reports an error by code and detail; hosts hold the texts (ABI.md). */
function error(code: i32, detail: i32): void {
  stats.bump(stats.ERRORS);
  hostEvent(EV_ERROR, code, detail, 0, 0);
}

// ---------------------------------------------------------------- start/stop

/** Begins connecting (from idle); the session then keeps itself connected. */
export function start(): void {
  if (st != ST_IDLE) return;
  backoff = C.BACKOFF_MIN_MS;
  retryAt = millis();
  st = ST_BACKOFF;
}

/** Graceful end: DISCONNECT, close, stay idle until start(). */
export function stop(): void {
  if (st == ST_CONNECTED) {
    const r = encodeEmpty(tx + txLen, C.MAX_PACKET - txLen, T.DISCONNECT);
    if (r > 0) txLen += r;
    st = ST_CLOSING;
    since = millis();
  } else {
    if (st >= ST_OPENING) transportClose();
    st = ST_IDLE;
  }
}

/** A link failure: reported with the transport's own error when it has one
 * (a refused WebSocket upgrade, a CLOSE from the server...). */
function linkFailed(code: i32): void {
  if (st == ST_CLOSING) { fail(code); return; } // the broker closing after DISCONNECT is the plan
  const te = transportError();
  if (te != 0) {
    error(te, transportErrorDetail());
    fail(te);
  } else {
    if (st != ST_CONNECTED) error(code, 0);
    fail(code);
  }
}

/** Ends the connection after an error and schedules a reconnect. */
function fail(code: i32): void {
  transportClose();
  const was = st;
  txHead = txLen = txPkt = 0;
  pingOut = false;
  parser.reset();
  if (was == ST_CLOSING) {
    // we were leaving anyway
    st = ST_IDLE;
    hostEvent(EV_DISCONNECTED, 0, 0, 0, 0);
    return;
  }
  st = ST_BACKOFF;
  let wait = backoff;
  if (backoff < C.BACKOFF_MAX_MS) backoff = min(backoff << 1, C.BACKOFF_MAX_MS);
  // jitter: up to a quarter of the wait, so a fleet does not reconnect in step
  const r = memory.data(4, 4);
  randomFill(r, 4);
  wait += load<u32>(r) % ((wait >> 2) + 1);
  retryAt = millis() + wait;
  logStart(ascii("mqtt: link lost, code "));
  logInt(code);
  logStr(ascii(", retry in "));
  logInt(<i32>wait);
  logStr(ascii(" ms"));
  logEnd(LOG_WARN);
  if (was == ST_CONNECTED) hostEvent(EV_DISCONNECTED, code, 0, 0, 0);
}

// ---------------------------------------------------------------- transmit

function txFree(): i32 { return C.MAX_PACKET - txLen; }

/** Moves the bytes not yet written to the front of TX. */
function txCompact(): void {
  if (txHead == 0) return;
  memory.copy(tx, tx + txHead, txLen - txHead);
  txLen -= txHead;
  txHead = 0;
}

/** Appends bytes to TX when they fit. */
function txPut(p: usize, n: i32): bool {
  if (txLen + n > C.MAX_PACKET) txCompact();
  if (txLen + n > C.MAX_PACKET) return false;
  memory.copy(tx + txLen, p, n);
  txLen += n;
  return true;
}

/** Encodes a 4-byte ack straight into TX (room is checked before reading). */
function txAck(type: u8, id: i32): void {
  txCompact();
  const r = encodeAck(tx + txLen, txFree(), type, id);
  if (r > 0) txLen += r;
}

/** Writes what the link takes; false if the link failed. */
function flush(now: u32): bool {
  while (txHead < txLen) {
    if (txPkt == 0) {
      // the whole packet: its fixed header, then the remaining length it gives
      let i = 1;
      let rem = 0;
      let b: i32 = 0x80;
      while ((b & 0x80) != 0 && i < 5 && txHead + i < txLen) {
        b = load<u8>(tx + txHead + i);
        rem |= (b & 0x7F) << (7 * (i - 1));
        i++;
      }
      txPkt = min(i + rem, txLen - txHead);
    }
    const w = transportWrite(tx + txHead, txPkt);
    if (w < 0) { linkFailed(E.E_LINK_WRITE); return false; }
    if (w == 0) break;
    txHead += w;
    txPkt -= w;
    stats.add(stats.BYTES_OUT, w);
    lastTx = now;
  }
  if (txHead == txLen) txHead = txLen = 0;
  return true;
}

/** Moves queued outbox records to TX, in order, within the in-flight window. */
function pump(now: u32): void {
  let i = 0;
  while (i < ob.count()) {
    const s = ob.state(i);
    if (s == ob.SENT || s == ob.REL_SENT) { i++; continue; }
    if (s == ob.REL_QUEUED) {
      if (txFree() < 4) return;
      txAck(T.PUBREL, ob.id(i));
      ob.setState(i, ob.REL_SENT);
      i++;
      continue;
    }
    const isQos0 = ob.type(i) == T.PUBLISH && ob.qos(i) == 0;
    if (!isQos0 && inflight >= C.MAX_INFLIGHT) return;
    if (!txPut(ob.ptr(i), ob.len(i))) return;
    if (isQos0) {
      published(i, 0);
      ob.remove(i);
      continue;
    }
    ob.setState(i, ob.SENT);
    inflight++;
    i++;
  }
}

/** Offset of the body of the packet at p (past the remaining length). */
function bodyStart(p: usize): i32 {
  let h = 1;
  while ((load<u8>(p + h) & 0x80) != 0) h++;
  return h + 1;
}

function published(i: i32, qos: i32): void {
  stats.bump(stats.PUBLISHED);
  const p = ob.ptr(i) + bodyStart(ob.ptr(i));
  const tl = (<i32>load<u8>(p) << 8) | load<u8>(p + 1);
  hostEvent(EV_PUBLISHED, ob.id(i), qos, p + 2, tl);
}

// ---------------------------------------------------------------- the API

function newId(): i32 {
  for (let k = 0; k < 65535; k++) {
    nextId = nextId >= 65535 ? 1 : nextId + 1;
    if (!ob.idInUse(nextId)) return nextId;
  }
  return 0;
}

/**
 * Queues a PUBLISH. Returns its packet id (0 for QoS 0) or an error:
 * E_PACKET_TOO_LARGE past MAX_PACKET, E_OUTBOX_FULL when it cannot be kept.
 */
export function publish(topic: usize, topicLen: i32, payload: usize, payloadLen: i32, qos: i32, retain: bool): i32 {
  if (qos < 0 || qos > 2) return E.E_BAD_QOS;
  const t = checkTopicName(topic, topicLen);
  if (t != E.OK) return t;
  if (payloadLen < 0) return E.E_BAD_ARGUMENT;
  const rem = 2 + topicLen + (qos > 0 ? 2 : 0) + payloadLen;
  const size = 1 + varintSize(rem) + rem;
  if (size > C.MAX_PACKET) return E.E_PACKET_TOO_LARGE;
  if (!ob.hasRoom(size)) return E.E_OUTBOX_FULL;
  const id = qos > 0 ? newId() : 0;
  const r = encodePublish(ob.tail(), size, topic, topicLen, payload, payloadLen, qos, retain, false, id);
  if (r < 0) return r;
  ob.commit(r, id);
  return id;
}

function queueList(type: u8, list: usize, n: i32): i32 {
  const size = 1 + varintSize(n + 2) + n + 2;
  if (size > C.MAX_PACKET) return E.E_PACKET_TOO_LARGE;
  if (!ob.hasRoom(size)) return E.E_OUTBOX_FULL;
  const id = newId();
  const r = type == T.SUBSCRIBE
    ? encodeSubscribe(ob.tail(), size, id, list, n)
    : encodeUnsubscribe(ob.tail(), size, id, list, n);
  if (r < 0) return r;
  ob.commit(r, id);
  return id;
}

/**
 * Subscribes to the filters of a wire-form list ([u16 len][filter][qos]...),
 * routing their messages to handler (0: the host). Returns the packet id.
 */
export function subscribe(list: usize, n: i32, handler: usize): i32 {
  const c = checkFilterList(list, n, true);
  if (c < 0) return c;
  if (router.count() + c > C.ROUTER_SLOTS) return E.E_NO_SLOT;
  const id = queueList(T.SUBSCRIBE, list, n);
  if (id < 0) return id;
  let i = 0;
  while (i < n) {
    const fl = (<i32>load<u8>(list + i) << 8) | load<u8>(list + i + 1);
    const r = router.add(list + i + 2, fl, load<u8>(list + i + 2 + fl), handler);
    if (r < 0) error(r, 0);
    i += fl + 3;
  }
  return id;
}

/** Unsubscribes the filters of a wire-form list ([u16 len][filter]...). */
export function unsubscribe(list: usize, n: i32): i32 {
  const c = checkFilterList(list, n, false);
  if (c < 0) return c;
  const id = queueList(T.UNSUBSCRIBE, list, n);
  if (id < 0) return id;
  let i = 0;
  while (i < n) {
    const fl = (<i32>load<u8>(list + i) << 8) | load<u8>(list + i + 1);
    router.remove(list + i + 2, fl);
    i += fl + 2;
  }
  return id;
}

// ---------------------------------------------------------------- connect

function sendConnect(now: u32): bool {
  const r = encodeConnect(tx, C.MAX_PACKET, clientId, clientIdLen, cleanSession, keepAliveS,
    user, userLen, pass, passLen, willTopic, willTopicLen, willPayload, willPayloadLen, willQos, willRetain);
  if (r < 0) {
    error(E.E_CONFIG, r);
    st = ST_IDLE;
    transportClose();
    return false;
  }
  txHead = txPkt = 0;
  txLen = r;
  return true;
}

/** After CONNACK: resend or renew what the session needs. */
function resume(sessionPresent: bool): void {
  inflight = 0;
  let i = 0;
  while (i < ob.count()) {
    const s = ob.state(i);
    const t = ob.type(i);
    if (!sessionPresent && (t == T.SUBSCRIBE || t == T.UNSUBSCRIBE)) {
      // a new session gets every router entry afresh below
      if (t == T.UNSUBSCRIBE) hostEvent(EV_UNSUBSCRIBED, ob.id(i), 0, 0, 0);
      ob.remove(i);
      continue;
    }
    if (s == ob.REL_SENT || s == ob.REL_QUEUED) {
      if (!sessionPresent) {
        // the broker took it (PUBREC) and then lost the session: done
        published(i, 2);
        ob.remove(i);
        continue;
      }
      ob.setState(i, ob.REL_QUEUED);
    } else if (s == ob.SENT) {
      if (t == T.PUBLISH) store<u8>(ob.ptr(i), load<u8>(ob.ptr(i)) | T.FLAG_DUP);
      ob.setState(i, ob.QUEUED);
    }
    i++;
  }
  if (!sessionPresent) {
    q2.clear();
    if (router.count() > 0) {
      const id = queueList(T.SUBSCRIBE, router.entries(), router.entriesLen());
      if (id < 0) error(id, 0);
      else ob.lastToFront();
    }
  }
}

// ---------------------------------------------------------------- receive

function onPacket(now: u32): void {
  const first = parser.first;
  const type = first >> 4;
  // the same limit both ways: the whole packet, fixed header included
  if (parser.truncated() || 1 + varintSize(parser.remaining) + parser.remaining > C.MAX_PACKET) {
    onTooLarge(first);
    return;
  }
  const r = D.decodeFromServer(first, rx, parser.length());
  if (r == E.E_UNEXPECTED) {
    error(E.E_UNEXPECTED, type);
    fail(E.E_UNEXPECTED);
    return;
  }
  if (r != E.OK) {
    error(E.E_MALFORMED, type);
    fail(E.E_MALFORMED);
    return;
  }
  if (st == ST_CONNACK) {
    if (type != T.CONNACK) {
      error(E.E_UNEXPECTED, type);
      fail(E.E_UNEXPECTED);
      return;
    }
    if (D.returnCode != 0) {
      error(E.E_REFUSED, D.returnCode);
      fail(E.E_REFUSED);
      return;
    }
    st = ST_CONNECTED;
    backoff = C.BACKOFF_MIN_MS;
    if (connectedOnce) stats.bump(stats.RECONNECTS);
    connectedOnce = true;
    logStart(ascii("mqtt: connected, session present "));
    logInt(D.sessionPresent ? 1 : 0);
    logEnd(LOG_INFO);
    resume(D.sessionPresent);
    hostEvent(EV_CONNECTED, D.sessionPresent ? 1 : 0, 0, 0, 0);
    return;
  }
  if (type == T.PUBLISH) { onPublish(); return; }
  if (type == T.PINGRESP) { pingOut = false; return; }
  if (type == T.PUBREL) {
    q2.release(D.packetId);
    txAck(T.PUBCOMP, D.packetId);
    return;
  }
  if (type == T.PUBACK || type == T.PUBREC) {
    const i = ob.find(D.packetId, T.PUBLISH);
    const want = type == T.PUBACK ? 1 : 2;
    if (i >= 0 && ob.state(i) == ob.SENT && ob.qos(i) == want) {
      inflight--;
      if (type == T.PUBACK) {
        published(i, 1);
        ob.remove(i);
      } else {
        ob.setState(i, ob.REL_QUEUED);
      }
    } else if (type == T.PUBREC) {
      // unknown id: release it anyway so the broker's flow can end
      txAck(T.PUBREL, D.packetId);
    } else {
      logStart(ascii("mqtt: PUBACK, unknown id "));
      logInt(D.packetId);
      logEnd(LOG_WARN);
    }
    return;
  }
  if (type == T.PUBCOMP) {
    const i = ob.find(D.packetId, T.PUBLISH);
    if (i >= 0 && ob.state(i) == ob.REL_SENT) {
      published(i, 2);
      ob.remove(i);
    }
    return;
  }
  if (type == T.SUBACK || type == T.UNSUBACK) {
    const want = type == T.SUBACK ? T.SUBSCRIBE : T.UNSUBSCRIBE;
    const i = ob.find(D.packetId, want);
    if (i < 0 || ob.state(i) != ob.SENT) return;
    // a SUBACK whose codes do not match the filters: the broker is confused, start again
    if (!onListAck(i, type == T.SUBACK)) { fail(E.E_MALFORMED); return; }
    inflight--;
    ob.remove(i);
    return;
  }
  error(E.E_UNEXPECTED, type);
  fail(E.E_UNEXPECTED);
}

/** One event per filter of the acknowledged (UN)SUBSCRIBE record i;
 * false (and nothing reported) when a SUBACK's codes do not match. */
function onListAck(i: i32, isSub: bool): bool {
  const p = ob.ptr(i);
  const n = ob.len(i);
  let k = bodyStart(p) + 2; // past the packet id
  let idx = 0;
  if (isSub && D.count != checkFilterList(p + k, n - k, true)) {
    error(E.E_MALFORMED, D.count);
    return false;
  }
  while (k < n) {
    const fl = (<i32>load<u8>(p + k) << 8) | load<u8>(p + k + 1);
    if (isSub) {
      const code = idx < D.count ? <i32>load<u8>(D.payload + idx) : 0x80;
      if (code == 0x80) error(E.E_REFUSED, 0x80);
      hostEvent(EV_SUBSCRIBED, ob.id(i), code, p + k + 2, fl);
      k += fl + 3;
    } else {
      hostEvent(EV_UNSUBSCRIBED, ob.id(i), 0, p + k + 2, fl);
      k += fl + 2;
    }
    idx++;
  }
  return true;
}

function onPublish(): void {
  const flags = D.qos | (D.retain ? 4 : 0) | (D.dup ? 8 : 0);
  if (D.qos == 2) {
    if (q2.has(D.packetId)) { txAck(T.PUBREC, D.packetId); return; }
    if (q2.full()) {
      // not acknowledged: the broker redelivers it on the next connection
      error(E.E_NO_SLOT, D.packetId);
      fail(E.E_NO_SLOT);
      return;
    }
    q2.add(D.packetId);
  }
  stats.bump(stats.RECEIVED);
  router.dispatch(D.topic, D.topicLen, D.payload, D.payloadLen, flags);
  if (D.qos == 1) txAck(T.PUBACK, D.packetId);
  else if (D.qos == 2) txAck(T.PUBREC, D.packetId);
}

/** A packet larger than RX: skipped; a PUBLISH is acknowledged and reported. */
function onTooLarge(first: u8): void {
  const type = first >> 4;
  if (type != T.PUBLISH) {
    error(E.E_PACKET_TOO_LARGE, type);
    fail(E.E_PACKET_TOO_LARGE);
    return;
  }
  const qos = (first >> 1) & 3;
  const tl = (<i32>load<u8>(rx) << 8) | load<u8>(rx + 1);
  stats.bump(stats.DROPPED);
  error(E.E_PACKET_TOO_LARGE, 1 + varintSize(parser.remaining) + parser.remaining);
  if (qos == 0 || 4 + tl > parser.length()) return;
  const id = (<i32>load<u8>(rx + 2 + tl) << 8) | load<u8>(rx + 3 + tl);
  if (id == 0) return;
  if (qos == 1) txAck(T.PUBACK, id);
  else if (!q2.has(id) && !q2.full()) { q2.add(id); txAck(T.PUBREC, id); }
  else txAck(T.PUBREC, id);
}

/** Reads and handles whole packets while TX has room for their acks. */
/** Reads and handles packets; true when it stopped with bytes maybe still
 * waiting (its share of the step used up, or TX full): the host must not sleep. */
function receive(now: u32): bool {
  for (let guard = 0; guard < 96; guard++) {
    // nothing is read after DISCONNECT: no ack may follow it (3.14.4-1)
    if (st != ST_CONNECTED && st != ST_CONNACK) return false;
    if (txFree() < 8) return true;
    const want = parser.need();
    const r = transportRead(parser.dest(), want);
    if (r < 0) { linkFailed(E.E_LINK_CLOSED); return false; }
    if (r == 0) return false;
    stats.add(stats.BYTES_IN, r);
    lastRx = now;
    const a = parser.advance(r);
    if (a != E.OK) {
      error(a, 0);
      fail(a);
      return false;
    }
    if (parser.done()) {
      onPacket(now);
      parser.reset();
    }
  }
  return true;
}

// ---------------------------------------------------------------- the step

/** One step of the session; returns how long the host may sleep (ms). */
export function poll(): u32 {
  const s = step();
  return min(s, transportSleep());
}

function step(): u32 {
  transportPoll();
  const now = millis();
  if (st == ST_IDLE) return C.MAX_SLEEP_MS;
  if (st == ST_BACKOFF) {
    const left = <i32>(retryAt - now);
    if (left > 0) return min(<u32>left, C.MAX_SLEEP_MS);
    const r = transportOpen(host, hostLen, port, path, pathLen, secure);
    if (r < 0) {
      error(E.E_LINK_OPEN, r);
      fail(E.E_LINK_OPEN);
      return 0;
    }
    st = ST_OPENING;
    since = now;
    return 0;
  }
  if (st == ST_OPENING) {
    const ls = transportState();
    if (ls == LINK_UP) {
      if (!sendConnect(now)) return C.MAX_SLEEP_MS;
      parser.reset();
      st = ST_CONNACK;
      since = lastRx = lastTx = now;
    } else if (ls == LINK_DOWN) {
      linkFailed(E.E_LINK_OPEN);
      return 0;
    } else if (since_(since, now) > C.LINK_OPEN_TIMEOUT_MS) {
      error(E.E_LINK_TIMEOUT, 0);
      fail(E.E_LINK_TIMEOUT);
      return 0;
    } else {
      return 10;
    }
  }
  if (st == ST_CONNECTED) pump(now);
  if (!flush(now)) return 0;
  const more = receive(now);
  if (st == ST_CONNECTED) {
    pump(now);
    if (!flush(now)) return 0;
  }
  if (more) return 0;
  if (st == ST_CONNACK && since_(since, now) > C.CONNACK_TIMEOUT_MS) {
    error(E.E_CONNACK_TIMEOUT, 0);
    fail(E.E_CONNACK_TIMEOUT);
    return 0;
  }
  if (st == ST_CLOSING) {
    // idle once the DISCONNECT has left, also from a modem's queue
    if ((txLen == 0 && transportPendingOut() == 0) || since_(since, now) > 2000) {
      transportClose();
      st = ST_IDLE;
      hostEvent(EV_DISCONNECTED, 0, 0, 0, 0);
    }
    return txLen == 0 ? C.MAX_SLEEP_MS : 5;
  }
  if (st == ST_CONNECTED && transportState() == LINK_DOWN) {
    linkFailed(E.E_LINK_CLOSED);
    return 0;
  }
  if (st != ST_CONNECTED) return st == ST_CONNACK ? 10 : 0;
  return keepAlive(now);
}

/**
 * PINGREQ once nothing was received for half the keep alive (or nothing
 * sent for three quarters of it); no PINGRESP for another half declares
 * the link dead: at most one keep alive after the last byte received.
 */
function keepAlive(now: u32): u32 {
  if (keepAliveS == 0) return txLen > 0 ? 5 : C.MAX_SLEEP_MS;
  const ka = <u32>keepAliveS * 1000;
  const half = ka >> 1;
  if (pingOut) {
    if (since_(pingSentAt, now) >= half) {
      error(E.E_PING_TIMEOUT, <i32>since_(lastRx, now));
      fail(E.E_PING_TIMEOUT);
      return 0;
    }
  } else if (since_(lastRx, now) >= half || since_(lastTx, now) >= ka - (ka >> 2)) {
    if (txFree() >= 2) {
      txLen += encodeEmpty(tx + txLen, txFree(), T.PINGREQ);
      pingOut = true;
      pingSentAt = now;
      if (!flush(now)) return 0;
    }
  }
  if (txLen > 0) return 5;
  // sleep until the next keep-alive deadline
  let wake: u32 = pingOut ? half - since_(pingSentAt, now) : half - min(half, since_(lastRx, now));
  return min(max(wake, 1), C.MAX_SLEEP_MS);
}
