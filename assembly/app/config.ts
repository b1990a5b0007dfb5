// Reads the device configuration from the host once, at setup, into fixed
// buffers, and hands it to the session. Keys are numbered in board/ABI.md.
import * as C from "../config";
import * as E from "../errors";
import { configRead, randomFill } from "../host/abi";
import { parseUint, putAscii, equalsAscii } from "../mem/bytes";
import { logStart, logStr, logBytes, logEnd, LOG_ERROR } from "../host/log";
import * as S from "../mqtt/session";
import { transportUseWebSocket } from "../transport";

export const KEY_URL = 0;
export const KEY_CLIENT_ID = 1;
export const KEY_USERNAME = 2;
export const KEY_PASSWORD = 3;
export const KEY_KEEPALIVE = 4;
export const KEY_CLEAN = 5;
export const KEY_WILL_TOPIC = 6;
export const KEY_WILL_PAYLOAD = 7;
export const KEY_WILL_QOS = 8;
export const KEY_WILL_RETAIN = 9;
export const KEY_LINK = 10;
export const KEY_TELEMETRY_S = 11;
export const KEY_TELEMETRY_TOPIC = 12;

const url: usize = memory.data(C.CFG_URL_BYTES);
const id: usize = memory.data(C.CFG_ID_BYTES);
const user: usize = memory.data(C.CFG_USER_BYTES);
const pass: usize = memory.data(C.CFG_PASS_BYTES);
const willTopic: usize = memory.data(C.CFG_WILL_TOPIC_BYTES);
const willPayload: usize = memory.data(C.CFG_WILL_PAYLOAD_BYTES);
const small: usize = memory.data(16);

export let telemetryS: i32 = 0;
export const telemetryTopic: usize = memory.data(C.CFG_TELEMETRY_TOPIC_BYTES);
export let telemetryTopicLen: i32 = 0;

/** A number from config, or dflt when unset; -1 when not a number. */
function readInt(key: i32, dflt: i32): i32 {
  const n = configRead(key, small, 16);
  if (n < 0) return dflt;
  return parseUint(small, min(n, 16));
}

function bad(what: string): i32 {
  logStart("config: bad ");
  logStr(what);
  logEnd(LOG_ERROR);
  return E.E_CONFIG;
}

/** A value longer than its buffer is an error, never silently cut. */
function readStr(key: i32, p: usize, cap: i32): i32 {
  const n = configRead(key, p, cap);
  return n > cap ? -2 : n;
}

/** Splits scheme://host[:port][/path]; mqtt:// and ws:// for now. */
function parseUrl(n: i32): i32 {
  let i = 0;
  while (i + 2 < n && !(load<u8>(url + i) == 0x3A && load<u8>(url + i + 1) == 0x2F && load<u8>(url + i + 2) == 0x2F)) i++;
  if (i + 2 >= n) return bad("broker URL (want scheme://host[:port])");
  let port = 1883;
  if (equalsAscii(url, i, "ws")) {
    port = 80;
    transportUseWebSocket(true);
  } else if (!equalsAscii(url, i, "mqtt")) {
    logStart("config: unsupported URL scheme ");
    logBytes(url, i);
    logEnd(LOG_ERROR);
    return E.E_UNSUPPORTED;
  }
  let h = i + 3;
  let e = h;
  while (e < n && load<u8>(url + e) != 0x3A && load<u8>(url + e) != 0x2F) e++;
  if (e == h) return bad("broker host");
  S.host = url + h;
  S.hostLen = e - h;
  if (e < n && load<u8>(url + e) == 0x3A) {
    let pe = e + 1;
    while (pe < n && load<u8>(url + pe) != 0x2F) pe++;
    port = parseUint(url + e + 1, pe - e - 1);
    if (port < 1 || port > 65535) return bad("broker port");
    e = pe;
  }
  S.port = port;
  S.path = url + e;
  S.pathLen = n - e;
  return E.OK;
}

export function loadConfig(): i32 {
  const un = readStr(KEY_URL, url, C.CFG_URL_BYTES);
  if (un < 0) return bad("or missing broker URL");
  const r = parseUrl(un);
  if (r != E.OK) return r;

  let idn = readStr(KEY_CLIENT_ID, id, C.CFG_ID_BYTES);
  if (idn == -2) return bad("client id (too long)");
  if (idn < 0) {
    // a random id, so two devices never take each other's session
    idn = putAscii(id, "atmqtt-");
    randomFill(id + idn, 8);
    for (let k = 0; k < 8; k++) {
      const v = load<u8>(id + idn + k) & 15;
      store<u8>(id + idn + k, <u8>(v < 10 ? 48 + v : 87 + v));
    }
    idn += 8;
  }
  S.clientId = id;
  S.clientIdLen = idn;

  S.user = user;
  S.userLen = readStr(KEY_USERNAME, user, C.CFG_USER_BYTES);
  S.pass = pass;
  S.passLen = readStr(KEY_PASSWORD, pass, C.CFG_PASS_BYTES);
  if (S.userLen == -2 || S.passLen == -2) return bad("username or password (too long)");
  if (S.passLen >= 0 && S.userLen < 0) return bad("password without username");

  const ka = readInt(KEY_KEEPALIVE, C.KEEPALIVE_S);
  if (ka < 0 || ka > 65535) return bad("keepalive");
  S.keepAliveS = ka;
  const clean = readInt(KEY_CLEAN, 1);
  if (clean < 0 || clean > 1) return bad("clean");
  S.cleanSession = clean == 1;

  S.willTopic = willTopic;
  S.willTopicLen = readStr(KEY_WILL_TOPIC, willTopic, C.CFG_WILL_TOPIC_BYTES);
  S.willPayload = willPayload;
  const wp = readStr(KEY_WILL_PAYLOAD, willPayload, C.CFG_WILL_PAYLOAD_BYTES);
  if (S.willTopicLen == -2 || wp == -2) return bad("will (too long)");
  S.willPayloadLen = max(wp, 0);
  const wq = readInt(KEY_WILL_QOS, 0);
  if (wq < 0 || wq > 2) return bad("will QoS");
  S.willQos = wq;
  const wr = readInt(KEY_WILL_RETAIN, 0);
  if (wr < 0 || wr > 1) return bad("will retain");
  S.willRetain = wr == 1;

  const ln = configRead(KEY_LINK, small, 16);
  if (ln >= 0 && !equalsAscii(small, ln, "socket")) return bad("link (this build has: socket)");

  telemetryS = readInt(KEY_TELEMETRY_S, 0);
  if (telemetryS < 0) return bad("telemetry interval");
  telemetryTopicLen = readStr(KEY_TELEMETRY_TOPIC, telemetryTopic, C.CFG_TELEMETRY_TOPIC_BYTES);
  if (telemetryTopicLen == -2) return bad("telemetry topic (too long)");
  if (telemetryTopicLen < 0) {
    let n = putAscii(telemetryTopic, "atmqtt/");
    const k = min(S.clientIdLen, C.CFG_TELEMETRY_TOPIC_BYTES - 17);
    memory.copy(telemetryTopic + n, id, k);
    n += k;
    n += putAscii(telemetryTopic + n, "/telemetry");
    telemetryTopicLen = n;
  }
  return E.OK;
}
