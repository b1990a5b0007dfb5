// The MQTT calls of the app API (sdk.ts re-exports them). Topics are
// ascii("...") texts or Views, payloads Views; every call returns >= 0 (a
// packet id for publish and subscribe, 0 for QoS 0) or a named error
// (errors.ts), the same codes as the host's exports.
import * as S from "../mqtt/session";
import * as stats from "../mqtt/stats";
import * as router from "../mqtt/router";
import * as E from "../errors";
import { ROUTER_BYTES, CFG_WILL_TOPIC_BYTES, CFG_WILL_PAYLOAD_BYTES } from "../config";
import { opts } from "../mqtt/options";
import { configRead } from "../host/abi";
import { parseUint } from "../mem/bytes";
import { logStart, logBytes, logEnd, LOG_ERROR, LOG_INFO } from "../host/log";
import { View, ringNext } from "./view";
import { Writer } from "./writer";
import { apiBuf } from "./work";
import { willTopicBuf, willPayloadBuf } from "./config";

/** A subscription's handler: the topic and payload, valid during the call
 * (the router calls it: mqtt/router.ts callApp). */
export type MessageHandler = router.AppHandler;

// Publish takes qos and retain as plain arguments, not an options object:
// an object literal is a heap allocation, and the stub runtime never frees.

/** Publishes payload on an ascii("...") topic; the packet id (0 for QoS 0)
 * or an error. An overflowed Writer is refused (E_BAD_ARGUMENT). */
export function publish(topic: usize, payload: View, qos: i32 = 0, retain: bool = false): i32 {
  if (topic == 0) return E.E_BAD_TOPIC;
  return send(topic + 1, <i32>load<u8>(topic), payload, qos, retain);
}

/** publish() to a topic built at run time (a Writer, a handler's topic). */
export function publishTo(topic: View, payload: View, qos: i32 = 0, retain: bool = false): i32 {
  if (changetype<usize>(topic) == 0 || topic.len < 0) return E.E_BAD_TOPIC;
  return send(topic.ptr, topic.len, payload, qos, retain);
}

function send(t: usize, tl: i32, payload: View, qos: i32, retain: bool): i32 {
  if (changetype<usize>(payload) == 0 || payload.len < 0) return E.E_BAD_ARGUMENT;
  return S.publish(t, tl, payload.ptr, payload.len, qos, retain);
}

/** [u16 len][filter][qos] in the API buffer (the filter may already lie there). */
function list(f: usize, fl: i32, qos: i32): i32 {
  memory.copy(apiBuf + 2, f, fl);
  store<u8>(apiBuf, <u8>(fl >> 8));
  store<u8>(apiBuf + 1, <u8>fl);
  store<u8>(apiBuf + 2 + fl, <u8>qos);
  return fl + 3;
}

/** Subscribes an ascii("...") filter; its messages go to handler. Called
 * before the first connect it is remembered: the firmware subscribes again
 * on every CONNACK without a session present. The packet id or an error. */
export function subscribe(filter: usize, qos: i32, handler: MessageHandler): i32 {
  if (filter == 0) return E.E_BAD_TOPIC;
  return sub(filter + 1, <i32>load<u8>(filter), qos, handler);
}

/** subscribe() with a filter built at run time. */
export function subscribeTo(filter: View, qos: i32, handler: MessageHandler): i32 {
  if (changetype<usize>(filter) == 0 || filter.len < 0) return E.E_BAD_TOPIC;
  return sub(filter.ptr, filter.len, qos, handler);
}

function sub(f: usize, fl: i32, qos: i32, handler: MessageHandler): i32 {
  const h = changetype<usize>(handler);
  if (fl < 1 || fl > ROUTER_BYTES - 3) return E.E_BAD_TOPIC;
  if (h == 0 || (h & 1) != 0) return E.E_BAD_ARGUMENT;
  return S.subscribe(apiBuf, list(f, fl, qos), h | 1);
}

/** Unsubscribes an ascii("...") filter; the packet id or an error. */
export function unsubscribe(filter: usize): i32 {
  if (filter == 0) return E.E_BAD_TOPIC;
  const fl = <i32>load<u8>(filter);
  if (fl < 1 || fl > ROUTER_BYTES - 3) return E.E_BAD_TOPIC;
  return S.unsubscribe(apiBuf, list(filter + 1, fl, 0) - 1);
}

/** The Last Will, ascii("...") topic and payload (kept where they are, no
 * copy). Takes effect at the next CONNECT, so set it in setup. */
export function setWill(topic: usize, payload: usize, qos: i32, retain: bool): i32 {
  if (topic == 0 || payload == 0) return E.E_BAD_ARGUMENT;
  if (<u32>qos > 2) return E.E_BAD_QOS;
  opts.willTopic = topic + 1;
  opts.willTopicLen = <i32>load<u8>(topic);
  opts.willPayload = payload + 1;
  opts.willPayloadLen = <i32>load<u8>(payload);
  opts.willQos = <u8>qos;
  opts.willRetain = retain;
  return E.OK;
}

/** setWill() with a topic and payload built at run time: copied into the
 * will's buffers (config will_topic / will_payload sizes). */
export function setWillTo(topic: View, payload: View, qos: i32, retain: bool): i32 {
  if (changetype<usize>(topic) == 0 || changetype<usize>(payload) == 0) return E.E_BAD_ARGUMENT;
  if (<u32>topic.len > <u32>CFG_WILL_TOPIC_BYTES || <u32>payload.len > <u32>CFG_WILL_PAYLOAD_BYTES) return E.E_BAD_ARGUMENT;
  if (<u32>qos > 2) return E.E_BAD_QOS;
  memory.copy(willTopicBuf, topic.ptr, topic.len);
  memory.copy(willPayloadBuf, payload.ptr, payload.len);
  opts.willTopic = willTopicBuf;
  opts.willTopicLen = topic.len;
  opts.willPayload = willPayloadBuf;
  opts.willPayloadLen = payload.len;
  opts.willQos = <u8>qos;
  opts.willRetain = retain;
  return E.OK;
}

/** True when a will is set (by the configuration or setWill). */
export function hasWill(): bool { return opts.willTopicLen >= 0; }

export function connected(): bool { return S.connected(); }
/** Outbox records not yet finished (queued or awaiting an ack). */
export function pending(): i32 { return S.pending(); }
/** A counter of stats.ts: PUBLISHED, RECEIVED, BYTES_OUT, BYTES_IN, RECONNECTS, ERRORS, DROPPED. */
export function counter(i: i32): u32 { return stats.get(i); }

/** The client id (configured or generated); a ring view, as viewOf's. */
export function clientId(): View {
  const v = ringNext();
  v.ptr = opts.clientId;
  v.len = opts.clientIdLen;
  return v;
}

/** The work buffer (WORK_BYTES): free for the app during any of its calls
 * (setup, handlers, timers, hooks); what it holds does not survive the call. */
export function workBuffer(): usize { return apiBuf; }

/** A configuration value (board/ABI.md keys) as a number, fallback when
 * unset, E_CONFIG when it is not a decimal of at most 9 digits. */
export function configInt(key: i32, fallback: i32): i32 {
  const n = configRead(key, apiBuf, 16);
  if (n < 0) return fallback;
  const r = parseUint(apiBuf, min(n, 16));
  return r < 0 ? E.E_CONFIG : r;
}

/** Appends a configuration text to out: true when the key is set (out
 * overflowed when the value did not fit), false when unset. */
export function configText(key: i32, out: Writer): bool {
  if (out.len < 0) return true;
  const room = out.cap - out.len;
  const n = configRead(key, out.ptr + out.len, room);
  if (n < 0) return false;
  if (n > room) out.len = -1;
  else out.len += n;
  return true;
}

/** A log line: an ascii("...") text, then the view's bytes if one is given. */
export function log(text: usize, v: View | null = null): void { line(LOG_INFO, text, v); }
/** The same at error level. */
export function logError(text: usize, v: View | null = null): void { line(LOG_ERROR, text, v); }

function line(level: i32, text: usize, v: View | null): void {
  logStart(text);
  if (v && v.len > 0) logBytes(v.ptr, v.len);
  logEnd(level);
}
