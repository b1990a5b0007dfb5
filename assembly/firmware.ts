// The module's host exports: setup() once, loop() forever, and the API for
// hosts, who pass strings through the API buffer (api_buffer()). No app in
// here: a build entry adds one with useApp (app/hooks.ts), as index.ts does.
import { ascii } from "./mem/ascii";
import * as C from "./config";
import * as E from "./errors";
import * as S from "./mqtt/session";
import * as stats from "./mqtt/stats";
import { setHostSink } from "./mqtt/router";
import { hostMessage } from "./host/abi";
import { logStart, logInt, logEnd, LOG_ERROR, LOG_INFO } from "./host/log";
import { loadConfig } from "./app/config";
import { setReading } from "./app/readings";
import { apiBuf } from "./app/work";
import { runAppSetup } from "./app/hooks";
import { timersStep } from "./app/timers";

let ready: bool = false;

function toHost(t: usize, tl: i32, p: usize, pl: i32, flags: i32): void {
  hostMessage(t, tl, p, pl, flags);
}

/** Reads the configuration and starts connecting. 0 or a negative error. */
export function setup(): i32 {
  setHostSink(toHost);
  const r = loadConfig();
  // loadConfig has logged the one `config:` line naming what is wrong
  if (r != E.OK) return r;
  ready = true;
  runAppSetup();
  logStart(ascii("setup: ready, packet "));
  logInt(C.MAX_PACKET);
  logEnd(LOG_INFO);
  S.start();
  return E.OK;
}

/** One step of everything; returns the milliseconds the host may sleep. */
export function loop(): u32 {
  if (!ready) return C.MAX_SLEEP_MS;
  const a = S.poll();
  const b = timersStep();
  return min(a, b);
}

export function api_buffer(): usize { return apiBuf; }

/** A reading for apps (sdk reading()): channel 0 temperature (0.1 °C), 1 humidity (0.1 %), 2 battery (mV). */
export function set_reading(ch: i32, v: i32): void { setReading(ch, v); }
export function api_buffer_size(): i32 { return C.API_BYTES; }

/** Topic then payload in the API buffer. Packet id, 0 for QoS 0, or error. */
export function publish(topicLen: i32, payloadLen: i32, qos: i32, retain: i32): i32 {
  if (topicLen < 0 || payloadLen < 0 || topicLen + payloadLen > C.API_BYTES) return E.E_BAD_ARGUMENT;
  return S.publish(apiBuf, topicLen, apiBuf + topicLen, payloadLen, qos, retain != 0);
}

/** The API buffer holds [u16 len][filter][qos]...; packet id or error. */
export function subscribe(len: i32): i32 {
  if (len < 0 || len > C.API_BYTES) return E.E_BAD_ARGUMENT;
  return S.subscribe(apiBuf, len, 0);
}

/** The API buffer holds [u16 len][filter]...; packet id or error. */
export function unsubscribe(len: i32): i32 {
  if (len < 0 || len > C.API_BYTES) return E.E_BAD_ARGUMENT;
  return S.unsubscribe(apiBuf, len);
}

/** Reconnect after disconnect(). */
export function connect(): void { S.start(); }
/** Graceful DISCONNECT; the session stays down until connect(). */
export function disconnect(): void { S.stop(); }
/** Session state: 0 idle, 1 backoff, 2 opening, 3 awaiting CONNACK, 4 connected, 5 closing. */
export function state(): i32 { return S.state(); }
/** Outbox records not yet finished (queued or awaiting an ack). */
export function pending(): i32 { return S.pending(); }
export function counter(i: i32): u32 { return stats.get(i); }
