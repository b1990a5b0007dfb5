// WebSocket client (RFC 6455) over any link: the HTTP/1.1 upgrade with
// subprotocol "mqtt", masked binary frames out, and a streaming frame
// reader in. MQTT bytes pass straight from the link into the caller's
// buffer, so a packet may span frames and a frame may hold several packets.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as E from "../errors";
import { linkOpen, linkState, linkRead, linkWrite, linkClose, LINK_UP, LINK_DOWN, LINK_OPENING } from "../link/link";
import { randomFill } from "../host/abi";
import { putAscii, putUint } from "../mem/bytes";
import { logStart, logStr, logInt, logEnd, LOG_ERROR, LOG_INFO } from "../host/log";
import { sha1 } from "./sha1";
import { base64 } from "./base64";

const W_DOWN = 0;
const W_LINK = 1;
const W_REQUEST = 2;
const W_RESPONSE = 3;
const W_OPEN = 4;

// frame reader states
const R_HEADER = 0;
const R_DATA = 1;
const R_CONTROL = 2;

const OP_CONT: u8 = 0;
const OP_TEXT: u8 = 1;
const OP_BINARY: u8 = 2;
const OP_CLOSE: u8 = 8;
const OP_PING: u8 = 9;
const OP_PONG: u8 = 10;

// Seen-header flags of the upgrade response.
const H_UPGRADE = 1;
const H_CONNECTION = 2;
const H_ACCEPT = 4;
const H_PROTOCOL = 8;

/** Output queue of whole frames; during the upgrade, the request and then each response line. */
const out: usize = memory.data(C.WS_TX_BYTES);
let outHead: i32 = 0;
let outLen: i32 = 0;
const hdr: usize = memory.data(16);
let hdrGot: i32 = 0;
let hdrNeed: i32 = 2;
const ctrl: usize = memory.data(128);
let ctrlLen: i32 = 0;
let ctrlGot: i32 = 0;
let ctrlOp: u8 = 0;
let pongDue: bool = false;
let pongLen: i32 = 0;
const pong: usize = memory.data(128);
let closeDue: bool = false;
const accept: usize = memory.data(28);
const mask: usize = memory.data(4, 4);

let state: i32 = W_DOWN;
let rstate: i32 = R_HEADER;
let remaining: i32 = 0;
let fragmented: bool = false;
let seen: i32 = 0;
let statusOk: bool = false;
let lineNo: i32 = 0;
let err: i32 = 0;
let errDetail: i32 = 0;

let host: usize = 0;
let hostLen: i32 = 0;
let port: i32 = 0;
let path: usize = 0;
let pathLen: i32 = 0;

/** The named error that ended the last connection, and its detail. */
export function wsError(): i32 { return err; }
/** Framed bytes not yet handed to the link. */
export function wsPendingOut(): i32 { return outLen - outHead; }
export function wsErrorDetail(): i32 { return errDetail; }

/** Ends the connection with a named error; the session reports it. */
function failWith(code: i32, detail: i32): i32 {
  if (err == 0) {
    err = code;
    errDetail = detail;
  }
  state = W_DOWN;
  linkClose();
  return E.E_LINK_CLOSED;
}

export function wsOpen(h: usize, hl: i32, p: i32, pth: usize, pthl: i32, secure: bool): i32 {
  host = h; hostLen = hl; port = p; path = pth; pathLen = pthl;
  err = errDetail = 0;
  outHead = outLen = 0;
  hdrGot = 0; hdrNeed = 2;
  rstate = R_HEADER;
  fragmented = pongDue = closeDue = false;
  const r = linkOpen(h, hl, p, secure);
  state = r < 0 ? W_DOWN : W_LINK;
  return r;
}

function append(s: usize): void { outLen += putAscii(out + outLen, s); }
function appendBytes(p: usize, n: i32): void { memory.copy(out + outLen, p, n); outLen += n; }

/** Builds the upgrade request and the accept value it must be answered with. */
function request(): bool {
  if (hostLen + pathLen + 200 > C.WS_TX_BYTES) return false;
  const key = memory.data(24);
  const raw = memory.data(16);
  randomFill(raw, 16);
  base64(raw, 16, key);
  const cat = memory.data(60);
  memory.copy(cat, key, 24);
  putAscii(cat + 24, ascii("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
  const digest = memory.data(20);
  sha1(cat, 60, digest);
  base64(digest, 20, accept);
  outHead = outLen = 0;
  append(ascii("GET "));
  if (pathLen == 0) append(ascii("/")); else appendBytes(path, pathLen);
  append(ascii(" HTTP/1.1\r\nHost: "));
  appendBytes(host, hostLen);
  append(ascii(":"));
  outLen += putUint(out + outLen, port);
  append(ascii("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "));
  appendBytes(key, 24);
  append(ascii("\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"));
  return true;
}

function lower(c: u8): u8 { return c >= 65 && c <= 90 ? c + 32 : c; }

/** True when line[0..n) starts with the lower-case header name + ':'. */
function isHeader(n: i32, name: usize): i32 {
  const k = <i32>load<u8>(name);
  if (n <= k) return -1;
  for (let i = 0; i < k; i++) if (lower(load<u8>(out + i)) != load<u8>(name + 1 + i)) return -1;
  if (load<u8>(out + k) != 0x3A) return -1;
  let v = k + 1;
  while (v < n && load<u8>(out + v) == 0x20) v++;
  return v;
}

/** True when value[v..n) (trimmed) equals the lower-case word, case-insensitively. */
function valueIs(v: i32, n: i32, word: usize): bool {
  while (n > v && load<u8>(out + n - 1) == 0x20) n--;
  if (n - v != <i32>load<u8>(word)) return false;
  for (let i = 0; i < n - v; i++) if (lower(load<u8>(out + v + i)) != load<u8>(word + 1 + i)) return false;
  return true;
}

/** True when the comma-separated value[v..n) has the token (Connection: keep-alive, Upgrade). */
function valueHas(v: i32, n: i32, word: usize): bool {
  let s = v;
  for (let i = v; i <= n; i++) {
    if (i == n || load<u8>(out + i) == 0x2C) {
      let a = s;
      while (a < i && load<u8>(out + a) == 0x20) a++;
      if (valueIs(a, i, word)) return true;
      s = i + 1;
    }
  }
  return false;
}

/** Checks one response line (without CRLF); returns OK, or an error to fail with. */
function onLine(n: i32): i32 {
  if (lineNo++ == 0) {
    // "HTTP/1.1 101 Switching Protocols"
    if (n < 12 || load<u8>(out + 8) != 0x20) return failWith(E.E_WS_UPGRADE, 0);
    let code = 0;
    for (let i = 9; i < 12; i++) code = code * 10 + (<i32>load<u8>(out + i) - 48);
    if (code != 101) return failWith(E.E_WS_UPGRADE, code);
    statusOk = true;
    return E.OK;
  }
  let v = isHeader(n, ascii("upgrade"));
  if (v >= 0) { if (valueIs(v, n, ascii("websocket"))) seen |= H_UPGRADE; return E.OK; }
  v = isHeader(n, ascii("connection"));
  if (v >= 0) { if (valueHas(v, n, ascii("upgrade"))) seen |= H_CONNECTION; return E.OK; }
  v = isHeader(n, ascii("sec-websocket-accept"));
  if (v >= 0) {
    let e = n;
    while (e > v && load<u8>(out + e - 1) == 0x20) e--;
    if (e - v != 28 || memory.compare(out + v, accept, 28) != 0) return failWith(E.E_WS_ACCEPT, 0);
    seen |= H_ACCEPT;
    return E.OK;
  }
  v = isHeader(n, ascii("sec-websocket-protocol"));
  if (v >= 0) {
    if (!valueIs(v, n, ascii("mqtt"))) return failWith(E.E_WS_PROTOCOL, 0);
    seen |= H_PROTOCOL;
  }
  return E.OK;
}

function onHeadersDone(): i32 {
  if ((seen & (H_UPGRADE | H_CONNECTION)) != (H_UPGRADE | H_CONNECTION)) return failWith(E.E_WS_UPGRADE, 101);
  if ((seen & H_ACCEPT) == 0) return failWith(E.E_WS_ACCEPT, 0);
  if ((seen & H_PROTOCOL) == 0) return failWith(E.E_WS_PROTOCOL, 0);
  state = W_OPEN;
  outHead = outLen = 0;
  logStart(ascii("ws: upgraded"));
  logEnd(LOG_INFO);
  return E.OK;
}

/** Reads the response a byte at a time, so no frame byte is taken early. */
function readResponse(): i32 {
  for (let guard = 0; guard < 512; guard++) {
    if (outLen >= C.WS_TX_BYTES) {
      // a line longer than we keep: only its start matters, keep reading;
      // the last byte moves down so a CR at the cut is still seen before LF
      store<u8>(out + C.WS_TX_BYTES - 2, load<u8>(out + C.WS_TX_BYTES - 1));
      outLen = C.WS_TX_BYTES - 1;
    }
    const r = linkRead(out + outLen, 1);
    if (r < 0) return failWith(E.E_WS_UPGRADE, 0);
    if (r == 0) return LINK_OPENING;
    outLen++;
    if (outLen >= 2 && load<u8>(out + outLen - 2) == 0x0D && load<u8>(out + outLen - 1) == 0x0A) {
      const n = outLen - 2;
      outLen = 0;
      if (n == 0) {
        if (!statusOk) return failWith(E.E_WS_UPGRADE, 0);
        return onHeadersDone() == E.OK ? LINK_UP : LINK_DOWN;
      }
      if (onLine(n) != E.OK) return LINK_DOWN;
    }
  }
  return LINK_OPENING;
}

/** Drives the link and the upgrade; LINK_UP once frames may flow. */
export function wsState(): i32 {
  if (state == W_OPEN) {
    // frames the link could not take at write time go out from here: the
    // session may have nothing more to write for a while (it once waited
    // for ever with its QoS 1 publishes in this buffer)
    if (outLen > 0 && flushOut() < 0) return LINK_DOWN;
    return linkState() == LINK_DOWN ? LINK_DOWN : LINK_UP;
  }
  if (state == W_DOWN) return LINK_DOWN;
  if (state == W_LINK) {
    const ls = linkState();
    if (ls == LINK_DOWN) { state = W_DOWN; return LINK_DOWN; }
    if (ls == LINK_OPENING) return LINK_OPENING;
    if (!request()) { failWith(E.E_CONFIG, 0); return LINK_DOWN; }
    state = W_REQUEST;
  }
  if (state == W_REQUEST) {
    if (flushOut() < 0) return LINK_DOWN;
    if (outHead < outLen) return LINK_OPENING;
    outHead = outLen = 0;
    seen = 0; lineNo = 0; statusOk = false;
    state = W_RESPONSE;
  }
  return readResponse();
}

function flushOut(): i32 {
  while (outHead < outLen) {
    const w = linkWrite(out + outHead, outLen - outHead);
    if (w < 0) return failWith(E.E_LINK_WRITE, 0);
    if (w == 0) break;
    outHead += w;
  }
  if (outHead == outLen) outHead = outLen = 0;
  else if (outHead > 0 && outLen > (C.WS_TX_BYTES >> 1)) {
    memory.copy(out, out + outHead, outLen - outHead);
    outLen -= outHead;
    outHead = 0;
  }
  return E.OK;
}

/** Appends one whole masked frame if it fits; false otherwise. */
function frame(op: u8, p: usize, n: i32): bool {
  const head = n < 126 ? 6 : 8;
  if (outLen + head + n > C.WS_TX_BYTES) return false;
  const f = out + outLen;
  store<u8>(f, 0x80 | op);
  if (n < 126) {
    store<u8>(f + 1, 0x80 | <u8>n);
  } else {
    store<u8>(f + 1, 0x80 | 126);
    store<u8>(f + 2, <u8>(n >> 8));
    store<u8>(f + 3, <u8>n);
  }
  // a fresh key for every frame, as RFC 6455 5.3 asks
  randomFill(mask, 4);
  const m = f + head - 4;
  store<u32>(m, load<u32>(mask));
  const d = f + head;
  for (let i = 0; i < n; i++) store<u8>(d + i, load<u8>(p + i) ^ load<u8>(mask + (i & 3)));
  outLen += head + n;
  return true;
}

/** Queues PONG / CLOSE replies when there is room for them. */
function replies(): void {
  if (pongDue && frame(OP_PONG, pong, pongLen)) pongDue = false;
  if (closeDue && frame(OP_CLOSE, ctrl, min(ctrlLen, 2))) {
    closeDue = false;
    flushOut();
    linkClose();
    state = W_DOWN;
  }
}

/** Frames up to n bytes as one binary frame; returns bytes taken. */
export function wsWrite(p: usize, n: i32): i32 {
  if (state != W_OPEN) return E.E_LINK_CLOSED;
  if (flushOut() < 0) return E.E_LINK_CLOSED;
  replies();
  if (state != W_OPEN) return E.E_LINK_CLOSED;
  const room = C.WS_TX_BYTES - outLen - 8;
  if (room <= 0) return 0;
  const k = min(n, room);
  frame(OP_BINARY, p, k);
  flushOut();
  return k;
}

/** A frame header is complete: check it and pick the next reader state. */
function onHeader(): i32 {
  const b0 = load<u8>(hdr);
  const b1 = load<u8>(hdr + 1);
  const op = b0 & 0x0F;
  const fin = (b0 & 0x80) != 0;
  if ((b0 & 0x70) != 0) return failWith(E.E_WS_FRAME, b0);
  if ((b1 & 0x80) != 0) return failWith(E.E_WS_FRAME, op);
  let len: i64 = <i64>(b1 & 0x7F);
  if (len == 126) len = (<i64>load<u8>(hdr + 2) << 8) | load<u8>(hdr + 3);
  else if (len == 127) {
    // RFC 6455 5.2: the most significant bit of a 64-bit length must be 0
    if ((load<u8>(hdr + 2) & 0x80) != 0) return failWith(E.E_WS_FRAME, op);
    len = 0;
    for (let i = 2; i < 10; i++) len = (len << 8) | load<u8>(hdr + i);
  }
  if (op >= OP_CLOSE) {
    if (op > OP_PONG) return failWith(E.E_WS_FRAME, op);
    if (!fin || len > 125) return failWith(E.E_WS_FRAME, op);
    ctrlOp = op;
    ctrlLen = <i32>len;
    ctrlGot = 0;
    rstate = R_CONTROL;
    return ctrlLen == 0 ? onControl() : E.OK;
  }
  if (op == OP_TEXT) return failWith(E.E_WS_FRAME, op);
  if (op != OP_BINARY && op != OP_CONT) return failWith(E.E_WS_FRAME, op);
  if (op == OP_CONT && !fragmented) return failWith(E.E_WS_FRAME, op);
  if (op == OP_BINARY && fragmented) return failWith(E.E_WS_FRAME, op);
  if (len < 0 || len > <i64>C.WS_MAX_FRAME) return failWith(E.E_WS_TOO_LARGE, <i32>min(len, 0x7FFFFFFF));
  fragmented = !fin;
  remaining = <i32>len;
  rstate = R_DATA;
  return E.OK;
}

function onControl(): i32 {
  rstate = R_HEADER;
  if (ctrlOp == OP_PING) {
    memory.copy(pong, ctrl, ctrlLen);
    pongLen = ctrlLen;
    pongDue = true;
    replies();
    flushOut();
  } else if (ctrlOp == OP_CLOSE) {
    const code = ctrlLen >= 2 ? (<i32>load<u8>(ctrl) << 8) | load<u8>(ctrl + 1) : 1005;
    noteClose(code);
    closeDue = true;
    replies();
    return E.E_LINK_CLOSED;
  }
  return E.OK;
}

/** Records a CLOSE from the server; the link closes once our reply is out. */
function noteClose(code: i32): void {
  err = E.E_WS_CLOSED;
  errDetail = code;
  logStart(ascii("ws: server closed, status "));
  logInt(code);
  logEnd(LOG_INFO);
}

/**
 * Reads up to n MQTT bytes out of data frames, across frame boundaries;
 * 0 when none are waiting. Control frames between them are handled here.
 * Every pass takes bytes from the link or ends a frame, so the loop ends
 * when the link has nothing more; the guard only bounds one call's work
 * (a few control frames in a row must not end the read while data waits:
 * the session would then sleep with bytes unread).
 */
export function wsRead(p: usize, n: i32): i32 {
  if (state != W_OPEN) return E.E_LINK_CLOSED;
  if (pongDue || closeDue) { replies(); if (flushOut() < 0 || state != W_OPEN) return E.E_LINK_CLOSED; }
  let got = 0;
  for (let guard = 0; guard < 4096 && got < n; guard++) {
    if (rstate == R_DATA) {
      if (remaining == 0) { rstate = R_HEADER; hdrGot = 0; hdrNeed = 2; continue; }
      const r = linkRead(p + got, min(n - got, remaining));
      if (r < 0) return got > 0 ? got : r;
      if (r == 0) break;
      remaining -= r;
      got += r;
      if (remaining == 0) { rstate = R_HEADER; hdrGot = 0; hdrNeed = 2; }
      continue;
    }
    if (rstate == R_CONTROL) {
      const r = linkRead(ctrl + ctrlGot, ctrlLen - ctrlGot);
      if (r < 0) return got > 0 ? got : r;
      if (r == 0) break;
      ctrlGot += r;
      // a CLOSE or a failed reply ends the link; bytes read before it are
      // still handed over, the next call reports the end
      if (ctrlGot == ctrlLen && onControl() < 0) return got > 0 ? got : E.E_LINK_CLOSED;
      continue;
    }
    const r = linkRead(hdr + hdrGot, hdrNeed - hdrGot);
    if (r < 0) return got > 0 ? got : r;
    if (r == 0) break;
    hdrGot += r;
    if (hdrGot < hdrNeed) continue;
    if (hdrNeed == 2) {
      const l7 = load<u8>(hdr + 1) & 0x7F;
      const extra = (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((load<u8>(hdr + 1) & 0x80) != 0 ? 4 : 0);
      if (extra > 0) { hdrNeed += extra; continue; }
    }
    if (onHeader() < 0) return got > 0 ? got : E.E_LINK_CLOSED;
    hdrGot = 0;
    hdrNeed = 2;
  }
  return got;
}

export function wsClose(): void {
  if (state == W_OPEN && outLen == 0) {
    const status = memory.data(2);
    store<u8>(status, 0x03);
    store<u8>(status + 1, 0xE8); // 1000 normal closure
    if (frame(OP_CLOSE, status, 2)) flushOut();
  }
  state = W_DOWN;
  linkClose();
}
