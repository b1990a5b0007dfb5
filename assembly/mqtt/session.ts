// The MQTT session's lifecycle, a state machine stepped by poll(): opening
// the link, CONNECT/CONNACK, keep alive, reconnect with backoff, and the
// packets in between. Its configuration is the options record (options.ts),
// the QoS flows are the legal moves of qos.ts, and every early end of a
// connection goes through abort(). Nothing here waits.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as E from "../errors";
import * as T from "./codec/constants";
import { decodeFromServer, pk, Packet } from "./codec/decode";
import { encodeConnect, encodePublish, encodeSubscribe, encodeUnsubscribe, checkFilterList, varintSize } from "./codec/encode";
import { checkTopicName } from "./codec/utf8";
import { Parser } from "./codec/parser";
import * as ob from "./outbox";
import * as q2 from "./inbound";
import * as router from "./router";
import * as qos from "./qos";
import { txFree, txPending, txReset, txStart, txCommit, txPut, txAck, txEmpty, txWrite } from "./tx";
import { opts } from "./options";
import { LINK_UP, LINK_DOWN } from "../link/link";
import { transportPoll, transportSleep, transportPendingOut, transportOpen, transportState, transportRead, transportClose, transportError, transportErrorDetail } from "../transport";
import { millis, randomFill } from "../host/abi";
import { emit, EV_CONNECTED, EV_DISCONNECTED, EV_SUBSCRIBED, EV_UNSUBSCRIBED, EV_PUBLISHED, EV_ERROR } from "../host/events";
import { logStart, logStr, logInt, logEnd, LOG_WARN, LOG_INFO } from "../host/log";
import * as stats from "./stats";

// Session states, reported by state().
export const ST_IDLE = 0;
export const ST_BACKOFF = 1;
export const ST_OPENING = 2;
export const ST_CONNACK = 3;
export const ST_CONNECTED = 4;
export const ST_CLOSING = 5;

/** The configuration, set once by the app before start() (options.ts). */
export { opts } from "./options";

// ---- RX (TX is tx.ts: apart, so a handler may publish) ----
const rx: usize = memory.data(C.MAX_PACKET);
// The bytes of a packet too large for RX are read into the decoded-packet
// record and dropped: a skipped packet is never decoded, so the two never
// meet, and the record costs no RAM of its own.
const skip: usize = changetype<usize>(pk);
const SKIP_BYTES: i32 = offsetof<Packet>();
// static under the firmware's stub runtime; a GC runtime (the unit tests')
// must own every object it can reach, so there it is allocated
const parser = ASC_RUNTIME == 0
  ? Parser.at(memory.data(offsetof<Parser>(), 8), rx, C.MAX_PACKET, skip, SKIP_BYTES)
  : new Parser(rx, C.MAX_PACKET, skip, SKIP_BYTES);

let st: i32 = ST_IDLE;
let since: u32 = 0; // when the current state began
let retryAt: u32 = 0;
let backoff: u32 = C.BACKOFF_MIN_MS;
/** The backoff's ceiling: BACKOFF_REFUSED_MAX_MS once the credentials were refused. */
let backoffMax: u32 = C.BACKOFF_MAX_MS;
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
  emit(EV_ERROR, code, detail, 0, 0);
}

// ---------------------------------------------------------------- start/stop

/** Begins connecting (from idle); the session then keeps itself connected. */
export function start(): void {
  if (st != ST_IDLE) return;
  backoff = C.BACKOFF_MIN_MS;
  backoffMax = C.BACKOFF_MAX_MS;
  retryAt = millis();
  st = ST_BACKOFF;
}

/** Graceful end: DISCONNECT, close, stay idle until start(). */
export function stop(): void {
  if (st == ST_CONNECTED) {
    txEmpty(T.DISCONNECT);
    st = ST_CLOSING;
    since = millis();
  } else {
    if (st >= ST_OPENING) transportClose();
    st = ST_IDLE;
  }
}

/** A link failure: reported with the transport's own error when it has one
 * (a refused WebSocket upgrade, a CLOSE from the server...); a link lost
 * while connected is told by EV_DISCONNECTED alone. */
function linkFailed(code: i32): void {
  const te = transportError();
  if (st == ST_CLOSING) drop(code); // the broker closing after DISCONNECT is the plan
  else if (te != 0) abort(te, transportErrorDetail());
  else if (st == ST_CONNECTED) drop(code);
  else abort(code, 0);
}

/** The one way a connection ends early: the error reported (code and
 * detail), the link closed, and a reconnect scheduled. */
function abort(code: i32, detail: i32): void {
  error(code, detail);
  drop(code);
}

/** Closes the connection and schedules the reconnect (after our own
 * DISCONNECT: idle); code is what EV_DISCONNECTED and the log carry. */
function drop(code: i32): void {
  transportClose();
  const was = st;
  txReset();
  pingOut = false;
  parser.reset();
  if (was == ST_CLOSING) {
    // we were leaving anyway
    st = ST_IDLE;
    emit(EV_DISCONNECTED, 0, 0, 0, 0);
    return;
  }
  st = ST_BACKOFF;
  let wait = backoff;
  backoff = min(backoff << 1, backoffMax);
  // jitter: up to a quarter of the wait, so a fleet does not reconnect in
  // step (drawn into the packet record: nothing decoded is needed now)
  const r = changetype<usize>(pk);
  randomFill(r, 4);
  wait += load<u32>(r) % ((wait >> 2) + 1);
  retryAt = millis() + wait;
  logStart(ascii("mqtt: link lost, code "));
  logInt(code);
  logStr(ascii(", retry in "));
  logInt(<i32>wait);
  logStr(ascii(" ms"));
  logEnd(LOG_WARN);
  if (was == ST_CONNECTED) emit(EV_DISCONNECTED, code, 0, 0, 0);
}

// ---------------------------------------------------------------- transmit

/** Writes what the link takes; false if the link failed. */
function flush(now: u32): bool {
  const w = txWrite();
  if (w < 0) { linkFailed(E.E_LINK_WRITE); return false; }
  if (w > 0) lastTx = now;
  return true;
}

/** Moves queued outbox records to TX, in order, within the in-flight window. */
function pump(now: u32): void {
  let i = 0;
  while (i < ob.count()) {
    const s = ob.state(i);
    const isQos0 = ob.type(i) == T.PUBLISH && ob.qos(i) == 0;
    if (s == ob.REL_QUEUED) {
      if (txFree() < 4) return;
      txAck(T.PUBREL, ob.id(i));
    } else if (s == ob.QUEUED) {
      if (!isQos0 && inflight >= C.MAX_INFLIGHT) return;
      if (!txPut(ob.ptr(i), ob.len(i))) return;
      if (!isQos0) inflight++;
    } else {
      i++;
      continue;
    }
    const m = qos.sent(s, isQos0);
    if (m == qos.DONE) {
      published(i, 0);
      ob.remove(i);
      continue;
    }
    ob.setState(i, <u8>m);
    i++;
  }
}

function published(i: i32, qos: i32): void {
  stats.bump(stats.PUBLISHED);
  const p = ob.body(i);
  const tl = (<i32>load<u8>(p) << 8) | load<u8>(p + 1);
  emit(EV_PUBLISHED, ob.id(i), qos, p + 2, tl);
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
  ob.commit(r);
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
  ob.commit(r);
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
  const r = encodeConnect(txStart(), C.MAX_PACKET, opts);
  if (r < 0) {
    error(E.E_CONFIG, r);
    st = ST_IDLE;
    transportClose();
    return false;
  }
  txCommit(r);
  return true;
}

/** After CONNACK: resend or renew what the session needs. */
function resume(present: bool): void {
  inflight = 0;
  let i = 0;
  while (i < ob.count()) {
    const s = ob.state(i);
    const t = ob.type(i);
    const m = qos.resumed(s, t == T.PUBLISH, present);
    if (m == qos.DONE) {
      // a new session: the router renews every filter below; a QoS 2
      // PUBLISH the broker took (PUBREC) before it lost the session is done
      if (t == T.PUBLISH) published(i, 2);
      else if (t == T.UNSUBSCRIBE) emit(EV_UNSUBSCRIBED, ob.id(i), 0, 0, 0);
      ob.remove(i);
      continue;
    }
    if (s == ob.SENT && t == T.PUBLISH) store<u8>(ob.ptr(i), load<u8>(ob.ptr(i)) | T.FLAG_DUP);
    ob.setState(i, <u8>m);
    i++;
  }
  if (!present) {
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
  const r = decodeFromServer(first, rx, parser.length());
  if (r != E.OK) {
    abort(r == E.E_UNEXPECTED ? r : E.E_MALFORMED, type);
    return;
  }
  const id = pk.packetId;
  if (st == ST_CONNACK) {
    if (type != T.CONNACK) abort(E.E_UNEXPECTED, type);
    else if (pk.returnCode != 0) {
      // bad user name or password, not authorized: retried, but seldom
      if (pk.returnCode == T.RC_BAD_CREDENTIALS || pk.returnCode == T.RC_NOT_AUTHORIZED) backoffMax = C.BACKOFF_REFUSED_MAX_MS;
      abort(E.E_REFUSED, pk.returnCode);
    }
    else connack(pk.sessionPresent);
    return;
  }
  switch (type) {
    case T.PUBLISH: onPublish(); break;
    case T.PINGRESP: pingOut = false; break;
    case T.PUBREL: {
      if (qos.released(q2.has(id)) == qos.ILLEGAL) illegal(type, id);
      q2.release(id);
      txAck(T.PUBCOMP, id);
      break;
    }
    case T.PUBACK:
    case T.PUBREC:
    case T.PUBCOMP: {
      const i = ob.find(id, T.PUBLISH);
      const m = qos.acked(type, i < 0 ? qos.NONE : ob.state(i), i < 0 ? 0 : ob.qos(i));
      if (m == qos.ILLEGAL) {
        illegal(type, id);
        // an unknown PUBREC is released anyway, so the broker's flow can end
        if (type == T.PUBREC) txAck(T.PUBREL, id);
      } else if (m == qos.DONE) {
        if (type == T.PUBACK) inflight--;
        published(i, type == T.PUBACK ? 1 : 2);
        ob.remove(i);
      } else {
        inflight--;
        ob.setState(i, <u8>m);
      }
      break;
    }
    case T.SUBACK:
    case T.UNSUBACK: {
      const i = ob.find(id, type == T.SUBACK ? T.SUBSCRIBE : T.UNSUBSCRIBE);
      if (i < 0 || ob.state(i) != ob.SENT) break;
      // a SUBACK whose codes do not match the filters: the broker is confused, start again
      if (!onListAck(i, type == T.SUBACK)) { abort(E.E_MALFORMED, pk.count); break; }
      inflight--;
      ob.remove(i);
      break;
    }
    default: abort(E.E_UNEXPECTED, type);
  }
}

/** CONNACK accepted: connected, the outbox resumed. */
function connack(present: bool): void {
  st = ST_CONNECTED;
  backoff = C.BACKOFF_MIN_MS;
  backoffMax = C.BACKOFF_MAX_MS;
  if (connectedOnce) stats.bump(stats.RECONNECTS);
  connectedOnce = true;
  logStart(ascii("mqtt: connected, session present "));
  logInt(present ? 1 : 0);
  logEnd(LOG_INFO);
  resume(present);
  emit(EV_CONNECTED, present ? 1 : 0, 0, 0, 0);
}

/** An ack that is no legal move (qos.ts), logged by name; the connection
 * stays (MQTT allows it), the caller does the documented handling. */
function illegal(type: i32, id: i32): void {
  logStart(ascii("mqtt: "));
  if (type == T.PUBACK) logStr(ascii("PUBACK"));
  else if (type == T.PUBREC) logStr(ascii("PUBREC"));
  else if (type == T.PUBCOMP) logStr(ascii("PUBCOMP"));
  else logStr(ascii("PUBREL"));
  logStr(ascii(", unknown id "));
  logInt(id);
  logEnd(LOG_WARN);
}

/** One event per filter of the acknowledged (UN)SUBSCRIBE record i;
 * false (nothing reported) when a SUBACK's codes do not match. */
function onListAck(i: i32, isSub: bool): bool {
  const p = ob.ptr(i);
  const n = ob.len(i);
  let k = <i32>(ob.body(i) - p) + 2; // past the packet id
  let idx = 0;
  if (isSub && pk.count != checkFilterList(p + k, n - k, true)) return false;
  while (k < n) {
    const fl = (<i32>load<u8>(p + k) << 8) | load<u8>(p + k + 1);
    if (isSub) {
      const code = idx < pk.count ? <i32>load<u8>(pk.payload + idx) : 0x80;
      if (code == 0x80) error(E.E_REFUSED, 0x80);
      emit(EV_SUBSCRIBED, ob.id(i), code, p + k + 2, fl);
      k += fl + 3;
    } else {
      emit(EV_UNSUBSCRIBED, ob.id(i), 0, p + k + 2, fl);
      k += fl + 2;
    }
    idx++;
  }
  return true;
}

function onPublish(): void {
  const q = pk.qos;
  const id = pk.packetId;
  const flags = q | (pk.retain ? 4 : 0) | (pk.dup ? 8 : 0);
  if (q == 2) {
    const m = qos.received(q2.has(id), q2.full());
    if (m == qos.REPEAT) { txAck(T.PUBREC, id); return; }
    // not acknowledged: the broker redelivers it on the next connection
    if (m == qos.ILLEGAL) { abort(E.E_NO_SLOT, id); return; }
    q2.add(id);
  }
  stats.bump(stats.RECEIVED);
  router.dispatch(pk.topic, pk.topicLen, pk.payload, pk.payloadLen, flags);
  if (q == 1) txAck(T.PUBACK, id);
  else if (q == 2) txAck(T.PUBREC, id);
}

/** A packet larger than RX: skipped; a PUBLISH is acknowledged and reported. */
function onTooLarge(first: u8): void {
  const type = first >> 4;
  if (type != T.PUBLISH) {
    abort(E.E_PACKET_TOO_LARGE, type);
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
      abort(a, 0);
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
  switch (st) {
    case ST_IDLE: return C.MAX_SLEEP_MS;
    case ST_BACKOFF: {
      const left = <i32>(retryAt - now);
      if (left > 0) return min(<u32>left, C.MAX_SLEEP_MS);
      const r = transportOpen(opts.host, opts.hostLen, opts.port, opts.path, opts.pathLen, opts.secure);
      if (r < 0) {
        abort(E.E_LINK_OPEN, r);
        return 0;
      }
      st = ST_OPENING;
      since = now;
      return 0;
    }
    case ST_OPENING: {
      const ls = transportState();
      if (ls == LINK_DOWN) {
        linkFailed(E.E_LINK_OPEN);
        return 0;
      }
      if (ls != LINK_UP) {
        if (since_(since, now) <= C.LINK_OPEN_TIMEOUT_MS) return 10;
        abort(E.E_LINK_TIMEOUT, 0);
        return 0;
      }
      if (!sendConnect(now)) return C.MAX_SLEEP_MS;
      parser.reset();
      st = ST_CONNACK;
      since = lastRx = lastTx = now;
      break;
    }
  }
  // CONNACK, CONNECTED, CLOSING: move bytes both ways
  if (st == ST_CONNECTED) pump(now);
  if (!flush(now)) return 0;
  const more = receive(now);
  if (st == ST_CONNECTED) {
    pump(now);
    if (!flush(now)) return 0;
  }
  if (more) return 0;
  switch (st) {
    case ST_CONNACK: {
      if (since_(since, now) <= C.CONNACK_TIMEOUT_MS) return 10;
      abort(E.E_CONNACK_TIMEOUT, 0);
      return 0;
    }
    case ST_CLOSING: {
      // idle once the DISCONNECT has left, also from a modem's queue
      if ((txPending() == 0 && transportPendingOut() == 0) || since_(since, now) > 2000) {
        transportClose();
        st = ST_IDLE;
        emit(EV_DISCONNECTED, 0, 0, 0, 0);
      }
      return txPending() == 0 ? C.MAX_SLEEP_MS : 5;
    }
    case ST_CONNECTED: {
      if (transportState() != LINK_DOWN) return keepAlive(now);
      linkFailed(E.E_LINK_CLOSED);
      return 0;
    }
  }
  return 0;
}

/**
 * PINGREQ once nothing was received for half the keep alive (or nothing
 * sent for three quarters of it); no PINGRESP for another half declares
 * the link dead: at most one keep alive after the last byte received.
 */
function keepAlive(now: u32): u32 {
  if (opts.keepAlive == 0) return txPending() > 0 ? 5 : C.MAX_SLEEP_MS;
  const ka = <u32>opts.keepAlive * 1000;
  const half = ka >> 1;
  if (pingOut) {
    if (since_(pingSentAt, now) >= half) {
      abort(E.E_PING_TIMEOUT, <i32>since_(lastRx, now));
      return 0;
    }
  } else if (since_(lastRx, now) >= half || since_(lastTx, now) >= ka - (ka >> 2)) {
    if (txEmpty(T.PINGREQ)) {
      pingOut = true;
      pingSentAt = now;
      if (!flush(now)) return 0;
    }
  }
  if (txPending() > 0) return 5;
  // sleep until the next keep-alive deadline
  let wake: u32 = pingOut ? half - since_(pingSentAt, now) : half - min(half, since_(lastRx, now));
  return min(max(wake, 1), C.MAX_SLEEP_MS);
}
