// Reads the device configuration from the host once, at setup, into fixed
// buffers, and hands it to the session. Keys are numbered in board/ABI.md.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as E from "../errors";
import { configRead, randomFill } from "../host/abi";
import { apiBuf } from "./work";
import { parseUint, putAscii, equalsAscii } from "../mem/bytes";
import { logStart, logStr, logBytes, logEnd, LOG_ERROR, LOG_WARN } from "../host/log";
import { opts, MQTT_3_1_1 } from "../mqtt/options";
import { transportUseWebSocket } from "../transport";
import { linkSelect, linkFamily, KIND_SOCKET, KIND_SIM800, KIND_SIM900, KIND_ESP_AT, KIND_SIM7600, KIND_SIM7000, KIND_BG96 } from "../link/link";
import * as modemCfg from "../link/modemcfg";
import { lteLinkName } from "../link/lte-lines";
import * as at from "../link/at";

/** broker URL: `mqtt://host[:port]` (1883), `mqtts://host[:port]` (8883), `ws://host[:port][/path]` (80), `wss://host[:port][/path]` (443). Default: required. */
export const KEY_URL = 0;
/** client id. Default: `atmqtt-` + 8 random hex digits. */
export const KEY_CLIENT_ID = 1;
/** username. Default: none. */
export const KEY_USERNAME = 2;
/** password (needs a username). Default: none. */
export const KEY_PASSWORD = 3;
/** keep alive, seconds (0 disables). Default: 60. */
export const KEY_KEEPALIVE = 4;
/** clean session, 0/1. Default: 1. */
export const KEY_CLEAN = 5;
/** will topic. Default: no will. */
export const KEY_WILL_TOPIC = 6;
/** will payload. Default: empty. */
export const KEY_WILL_PAYLOAD = 7;
/** will QoS. Default: 0. */
export const KEY_WILL_QOS = 8;
/** will retain, 0/1. Default: 0. */
export const KEY_WILL_RETAIN = 9;
/** link: `socket` (host sockets), `sim800`, `sim900`, `esp-at` (AT modem on the UART). Default: socket. */
export const KEY_LINK = 10;
/** telemetry interval, seconds (0: the telemetry app, apps/telemetry.ts, is off). Default: 0. */
export const KEY_TELEMETRY_S = 11;
/** telemetry topic; the app's other topics (`status`, `cmd`, `reply`) are its siblings. Default: `atmqtt/<client id>/telemetry`. */
export const KEY_TELEMETRY_TOPIC = 12;
/** modem UART baud rate (8N1). Default: 115200. */
export const KEY_BAUD = 13;
/** APN (SIM800/SIM900). Default: empty. */
export const KEY_APN = 14;
/** APN user. Default: empty. */
export const KEY_APN_USER = 15;
/** APN password. Default: empty. */
export const KEY_APN_PASSWORD = 16;
/** Wi-Fi SSID (ESP-AT; required there). Default: none. */
export const KEY_SSID = 17;
/** Wi-Fi password. Default: empty. */
export const KEY_WIFI_PASSWORD = 18;
/** TLS CA slot, 0–255 (sock_open flags bits 8–15). Default: 0. */
export const KEY_CA = 19;
/** TLS insecure, 0/1: no certificate or host-name check (flags bit 1). Default: 0. */
export const KEY_INSECURE = 20;
/** log secrets, 0/1: the APN and Wi-Fi passwords appear in the `at> ` log lines instead of `***` (for debugging). Default: 0. */
export const KEY_LOG_SECRETS = 21;

const url: usize = memory.data(C.CFG_URL_BYTES);
const id: usize = memory.data(C.CFG_ID_BYTES);
const user: usize = memory.data(C.CFG_USER_BYTES);
const pass: usize = memory.data(C.CFG_PASS_BYTES);
/** The will's buffers (also filled by the app API's setWillTo). */
export const willTopicBuf: usize = memory.data(C.CFG_WILL_TOPIC_BYTES);
export const willPayloadBuf: usize = memory.data(C.CFG_WILL_PAYLOAD_BYTES);
const willTopic = willTopicBuf;
const willPayload = willPayloadBuf;
const apn: usize = memory.data(C.CFG_APN_BYTES);
const apnUser: usize = memory.data(C.CFG_APN_BYTES);
const apnPass: usize = memory.data(C.CFG_APN_BYTES);
const ssid: usize = memory.data(C.CFG_SSID_BYTES);
const wifiPass: usize = memory.data(C.CFG_WIFI_PASS_BYTES);

/** Scratch for numbers and the link name while the configuration is read:
 * the API buffer, free at start-up. */
const small: usize = apiBuf;

/** A number from config, or dflt when unset; -1 when not a number. */
function readInt(key: i32, dflt: i32): i32 {
  const n = configRead(key, small, 16);
  if (n < 0) return dflt;
  return parseUint(small, min(n, 16));
}

function bad(what: usize): i32 {
  logStart(ascii("config: bad "));
  logStr(what);
  logEnd(LOG_ERROR);
  return E.E_CONFIG;
}

/** A value longer than its buffer is an error, never silently cut. */
function readStr(key: i32, p: usize, cap: i32): i32 {
  const n = configRead(key, p, cap);
  return n > cap ? -2 : n;
}

/** Splits scheme://host[:port][/path]: mqtt, mqtts, ws, wss. */
function parseUrl(n: i32): i32 {
  let i = 0;
  while (i + 2 < n && !(load<u8>(url + i) == 0x3A && load<u8>(url + i + 1) == 0x2F && load<u8>(url + i + 2) == 0x2F)) i++;
  if (i + 2 >= n) return bad(ascii("url"));
  let port = 1883;
  opts.secure = false;
  if (equalsAscii(url, i, ascii("mqtts"))) {
    port = 8883;
    opts.secure = true;
  } else if (equalsAscii(url, i, ascii("ws")) || equalsAscii(url, i, ascii("wss"))) {
    // no WebSocket layer (small profile, ATMQTT_WS=0): say so once, at
    // start-up. The text is kept short: it is in the blob of every build.
    if (!C.HAS_WS) return bad(ascii("url: no WebSocket"));
    opts.secure = i == 3;
    port = i == 3 ? 443 : 80;
    transportUseWebSocket(true);
  } else if (!equalsAscii(url, i, ascii("mqtt"))) {
    logStart(ascii("config: scheme "));
    logBytes(url, i);
    logEnd(LOG_ERROR);
    return E.E_UNSUPPORTED;
  }
  let h = i + 3;
  let e = h;
  while (e < n && load<u8>(url + e) != 0x3A && load<u8>(url + e) != 0x2F) e++;
  if (e == h) return bad(ascii("broker host"));
  opts.host = url + h;
  opts.hostLen = <i16>(e - h);
  if (e < n && load<u8>(url + e) == 0x3A) {
    let pe = e + 1;
    while (pe < n && load<u8>(url + pe) != 0x2F) pe++;
    port = parseUint(url + e + 1, pe - e - 1);
    if (port < 1 || port > 65535) return bad(ascii("broker port"));
    e = pe;
  }
  opts.port = <u16>port;
  opts.path = url + e;
  opts.pathLen = <i16>(n - e);
  return E.OK;
}

function unquotable(p: usize, n: i32, q: i32): bool {
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + i);
    if (c < 0x20 || c == q) return true;
  }
  return false;
}

/** The link and what it needs: APN for GSM, SSID and password for Wi-Fi. */
function loadLink(): i32 {
  const ln = configRead(KEY_LINK, small, 16);
  let kind = KIND_SOCKET;
  if (ln < 0 || equalsAscii(small, ln, ascii("socket"))) kind = KIND_SOCKET;
  else if (equalsAscii(small, ln, ascii("sim800"))) kind = KIND_SIM800;
  else if (equalsAscii(small, ln, ascii("sim900"))) kind = KIND_SIM900;
  else if (equalsAscii(small, ln, ascii("esp-at"))) kind = KIND_ESP_AT;
  else if (equalsAscii(small, ln, ascii("sim7000"))) kind = KIND_SIM7000;
  else if ((kind = lteLinkName(small, ln, KIND_SIM7600, KIND_BG96)) == 0) return bad(ascii("link"));
  // a family left out of this build (ATMQTT_MODEMS): refused here, not at each connect
  if (!C.ALL_MODEMS && kind != KIND_SOCKET && linkFamily(kind) == 0) return bad(ascii("link: modem not in this build"));
  const baud = readInt(KEY_BAUD, 115200);
  if (baud < 1200 || baud > 921600) return bad(ascii("baud"));
  const an = readStr(KEY_APN, apn, C.CFG_APN_BYTES);
  const au = readStr(KEY_APN_USER, apnUser, C.CFG_APN_BYTES);
  const ap = readStr(KEY_APN_PASSWORD, apnPass, C.CFG_APN_BYTES);
  const sn = readStr(KEY_SSID, ssid, C.CFG_SSID_BYTES);
  const wp = readStr(KEY_WIFI_PASSWORD, wifiPass, C.CFG_WIFI_PASS_BYTES);
  if (an == -2 || au == -2 || ap == -2 || sn == -2 || wp == -2) return bad(ascii("apn/wifi"));
  modemCfg.apn = apn;
  modemCfg.apnLen = max(an, 0);
  modemCfg.apnUser = apnUser;
  modemCfg.apnUserLen = max(au, 0);
  modemCfg.apnPass = apnPass;
  modemCfg.apnPassLen = max(ap, 0);
  modemCfg.ssid = ssid;
  modemCfg.ssidLen = sn;
  modemCfg.wifiPass = wifiPass;
  modemCfg.wifiPassLen = max(wp, 0);
  if (kind == KIND_ESP_AT && modemCfg.ssidLen < 1) return bad(ascii("ssid"));
  // GPRS attaches only with the operator's APN (AT+CSTT); on LTE the
  // network gives a default bearer, so an empty APN is allowed there
  if ((kind == KIND_SIM800 || kind == KIND_SIM900) && an < 1) return bad(ascii("apn: missing"));
  // what the module cannot take inside a quoted argument: a control byte
  // anywhere, a '"' on SIMCom (no escape there; ESP-AT's are escaped)
  const q: i32 = kind == KIND_ESP_AT ? 0x100 : 0x22;
  if (unquotable(apn, an, q) || unquotable(apnUser, au, q) || unquotable(apnPass, ap, q)) return bad(ascii("apn: \" or control byte"));
  if (unquotable(ssid, sn, q) || unquotable(wifiPass, wp, q)) return bad(ascii("wifi: control byte"));
  const ls = readInt(KEY_LOG_SECRETS, 0);
  if (ls < 0 || ls > 1) return bad(ascii("log secrets"));
  at.setShowSecrets(ls == 1);
  // TLS is the link's: the host's sockets, or the modem's own stack. A link
  // without it is a configuration error, never a fallback to plaintext.
  const ca = readInt(KEY_CA, 0);
  const insecure = readInt(KEY_INSECURE, 0);
  if (ca < 0 || ca > 255 || insecure < 0 || insecure > 1) return bad(ascii("ca/insecure"));
  modemCfg.tls = 0;
  if (opts.secure) {
    if (kind == KIND_SIM900) return bad(ascii("tls: sim900"));
    if (insecure == 1) {
      logStart(ascii("config: insecure: no cert check"));
      logEnd(LOG_WARN);
    }
    modemCfg.tls = 1 | insecure << 1 | ca << 8;
  }
  if (modemCfg.ssidLen < 0) modemCfg.ssidLen = 0;
  return linkSelect(kind, baud);
}

export function loadConfig(): i32 {
  const un = readStr(KEY_URL, url, C.CFG_URL_BYTES);
  if (un < 0) return bad(ascii("url"));
  const r = parseUrl(un);
  if (r != E.OK) return r;

  let idn = readStr(KEY_CLIENT_ID, id, C.CFG_ID_BYTES);
  if (idn == -2) return bad(ascii("client id"));
  if (idn < 0) {
    // a random id, so two devices never take each other's session
    idn = putAscii(id, ascii("atmqtt-"));
    randomFill(id + idn, 8);
    for (let k = 0; k < 8; k++) {
      const v = load<u8>(id + idn + k) & 15;
      store<u8>(id + idn + k, <u8>(v < 10 ? 48 + v : 87 + v));
    }
    idn += 8;
  }
  opts.clientId = id;
  opts.clientIdLen = idn;

  opts.user = user;
  opts.userLen = readStr(KEY_USERNAME, user, C.CFG_USER_BYTES);
  opts.pass = pass;
  opts.passLen = readStr(KEY_PASSWORD, pass, C.CFG_PASS_BYTES);
  if (opts.userLen == -2 || opts.passLen == -2) return bad(ascii("user/password"));
  if (opts.passLen >= 0 && opts.userLen < 0) return bad(ascii("password w/o user"));

  const ka = readInt(KEY_KEEPALIVE, C.KEEPALIVE_S);
  if (ka < 0 || ka > 65535) return bad(ascii("keepalive"));
  opts.keepAlive = ka;
  const clean = readInt(KEY_CLEAN, 1);
  if (clean < 0 || clean > 1) return bad(ascii("clean"));
  opts.clean = clean == 1;
  opts.version = MQTT_3_1_1;

  opts.willTopic = willTopic;
  opts.willTopicLen = readStr(KEY_WILL_TOPIC, willTopic, C.CFG_WILL_TOPIC_BYTES);
  opts.willPayload = willPayload;
  const wp = readStr(KEY_WILL_PAYLOAD, willPayload, C.CFG_WILL_PAYLOAD_BYTES);
  if (opts.willTopicLen == -2 || wp == -2) return bad(ascii("will"));
  opts.willPayloadLen = max(wp, 0);
  const wq = readInt(KEY_WILL_QOS, 0);
  if (wq < 0 || wq > 2) return bad(ascii("will QoS"));
  opts.willQos = <u8>wq;
  const wr = readInt(KEY_WILL_RETAIN, 0);
  if (wr < 0 || wr > 1) return bad(ascii("will retain"));
  opts.willRetain = wr == 1;

  const lr = loadLink();
  if (lr != E.OK) return lr;

  return E.OK;
}
