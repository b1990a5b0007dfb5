// The AT engine: one byte-stream tokenizer over the modem UART and a
// command slot with strictly one command in flight.
//
// The tokenizer sees every byte once, in every state: it splits lines,
// hands each to the bound driver's recogniser (family.ts: URCs wherever they
// fall, inside a response, inside the echo, between '>' and SEND OK, and the
// data headers that start counted binary reads), takes the V.250 answers
// itself (OK, ERROR, +CME/+CMS ERROR, the information line) and matches '>'
// as a token. No vendor token lives here. URCs only set flags; modem.ts acts
// on them in its own step, never from inside the reader (the TinyGSM stall
// of failure 4).
import { ascii } from "../mem/ascii";
import * as C from "../config";
import { uartRead, uartWrite, millis } from "../host/abi";
import { logStart, logStr, logBytes, logInt, logEnd, LOG_WARN, LOG_DEBUG } from "../host/log";
import * as ring from "./ring";
import { startsAscii, putDigits } from "../mem/bytes";
import * as fam from "./family";
import { L_SKIP, L_OK, L_ERROR, L_INFO } from "./driver";

// ---- results of the command in flight ----
export const R_NONE = 0;     // no command
export const R_WAIT = 1;     // in flight
export const R_OK = 2;       // OK (or the command's own final line)
export const R_ERROR = 3;    // ERROR, +CME ERROR, FAIL, SEND FAIL
export const R_TIMEOUT = 4;
export const R_PROMPT = 5;   // '>' seen: write the data now

// ---- URC flags, set by the reader, cleared by the drivers ----
export const U_CLOSED = 1;       // our socket closed by the peer
export const U_PDP_DEACT = 2;    // bearer gone (SIM +PDP: DEACT, ESP WIFI DISCONNECT)
export const U_DATA = 4;         // data waiting in the modem
export const U_REBOOT = 8;       // RDY / +CFUN: 1 / ready / echo came back
export const U_POWER_DOWN = 16;  // NORMAL POWER DOWN, UNDER-VOLTAGE POWER DOWN
export const U_CONNECT_OK = 32;  // n, CONNECT OK / n,CONNECT / ALREADY CONNECT
export const U_CONNECT_FAIL = 64;
export const U_BUSY = 128;       // ESP busy p...: the input was discarded
export const U_WIFI_IP = 256;    // ESP WIFI GOT IP
export const U_SEND_OK = 512;    // SEND OK / DATA ACCEPT
export const U_SEND_FAIL = 1024; // SEND FAIL
export const U_TLS_FAIL = 2048;  // n, CLOSE OK unasked: SIM800's failed SSL handshake
export const U_HOLE = 4096;      // received bytes dropped unconfirmed: the stream has a hole
/** With U_REBOOT: the line a module prints first when it starts (RDY,
 * ready) or the echo back after ATE0; a restart even during bring-up (the
 * lines that follow it, +CFUN: 1 / +CPIN: READY, may trail the next ATE0). */
export const U_BOOT = 8192;
export let urc: i32 = 0;
export function clearUrc(mask: i32): void { urc &= ~mask; }
export function setUrc(mask: i32): void { urc |= mask; }
/** Bytes the modem still holds after the last +CIPRXGET: 2 read. */
export let rxLeft: i32 = 0;
let busyResendAt: u32 = 0;
let busyResend: bool = false;

// ---- the line being read ----
const line: usize = memory.data(C.AT_LINE_BYTES);
let lineLen: i32 = 0;
let binLeft: i32 = 0;     // bytes of a counted binary read still to come
let lost: u32 = 0;        // binary bytes dropped for lack of room
let pushed: bool = false; // the counted read is pushed data (+IPD), not a pulled reply
let other: bool = false;  // the counted read is another link's: its bytes are dropped
const chunk: usize = memory.data(64);

// ---- the command in flight ----
const cmd: usize = memory.data(C.AT_CMD_BYTES);
let cmdLen: i32 = 0;
let cmdSent: i32 = 0;
let result: i32 = R_NONE;
let deadline: u32 = 0;
/** The command's own time limit, again after a busy resend. */
let cmdTimeout: u32 = 0;
/** Prefix of the information line this command answers with ("+CPIN:"...). */
let expect: usize = 0; // ascii prefix, 0 for none
/** A command whose final answer is not OK: the bare IP of CIFSR. */
let bareLine: bool = false;
/** The command waits for '>' before its data. */
let wantPrompt: bool = false;
/** The command in flight is a send: only its SEND OK / SEND FAIL / DATA
 * ACCEPT is its result (a stray one, of another link or garbled, once
 * ended a bring-up command and left the ESP in the wrong receive mode). */
let sendCmd: bool = false;
/** Information line of the last command (copied from line). */
export const info: usize = memory.data(C.AT_LINE_BYTES);
export let infoLen: i32 = 0;
/** Set once ATE0 was acknowledged: an echo after that means a reboot. */
export let echoOff: bool = false;
export let timeouts: i32 = 0;
export function clearTimeouts(): void { timeouts = 0; }
let crlf: bool = false;
/** Commands end in CR LF (ESP-AT) or CR alone (SIMCom). */
export function setCrLf(on: bool): void { crlf = on; }

export function lostBytes(): u32 { return lost; }
export function state(): i32 { return result; }
export function setEchoOff(v: bool): void { echoOff = v; }

/** Clears the slot after the driver has read the result. */
export function done(): void { result = R_NONE; cmdLen = cmdSent = 0; wantPrompt = false; }

// ---- building a command ----
export function begin(s: usize): void { cmdLen = secretAt = secretEnd = 0; add(s); }
export function add(s: usize): void { addBytes(s + 1, load<u8>(s)); }
export function addBytes(p: usize, n: i32): void {
  for (let i = 0; i < n && cmdLen < C.AT_CMD_BYTES - 2; i++) store<u8>(cmd + cmdLen++, load<u8>(p + i));
}
/** A quoted string argument. */
/** Where the command holds a secret (a password): logged as *** unless
 * the configuration asks for it (key 21, for debugging). */
let secretAt: i32 = 0;
let secretEnd: i32 = 0;
export let showSecrets: bool = false;
export function setShowSecrets(on: bool): void { showSecrets = on; }

/**
 * A quoted string argument. ESP-AT wants `"`, `,` and `\` escaped with a
 * backslash (its manual, AT+CWJAP); SIMCom has no escape, so config.ts
 * refuses a `"` in its arguments at start-up.
 */
export function addQuoted(p: usize, n: i32, secret: bool): void {
  add(ascii("\""));
  if (secret) secretAt = cmdLen;
  for (let i = 0; i < n && cmdLen < C.AT_CMD_BYTES - 4; i++) {
    const c = load<u8>(p + i);
    if (crlf && (c == 0x22 || c == 0x2C || c == 0x5C)) store<u8>(cmd + cmdLen++, 0x5C);
    store<u8>(cmd + cmdLen++, c);
  }
  if (secret) secretEnd = cmdLen;
  add(ascii("\""));
}

/** The command for the log, the secret in it as *** (at most n bytes). */
function logCmd(n: i32): void {
  if (secretEnd > 0 && !showSecrets && n > secretAt) {
    logBytes(cmd, secretAt);
    logStr(ascii("***"));
    if (n > secretEnd) logBytes(cmd + secretEnd, n - secretEnd);
  } else logBytes(cmd, n);
}
export function addInt(v: i32): void {
  if (v < 0) { add(ascii("-")); v = -v; }
  cmdLen += putDigits(cmd + cmdLen, <u32>v, C.AT_CMD_BYTES - 2 - cmdLen);
}

/**
 * Sends the built command. `exp` is the prefix of its information line,
 * `bare` marks CIFSR (answers with a bare line), `prompt` a send command.
 */
export function send(timeoutMs: u32, exp: usize, bare: bool, prompt: bool): void {
  // ESP-AT wants CR LF; SIMCom ends a command at CR (an LF after CIPSEND's
  // CR could be taken for the first data byte)
  store<u8>(cmd + cmdLen++, 0x0D);
  if (crlf) store<u8>(cmd + cmdLen++, 0x0A);
  cmdSent = 0;
  expect = exp;
  bareLine = bare;
  wantPrompt = prompt;
  sendCmd = prompt;
  infoLen = 0;
  result = R_WAIT;
  cmdTimeout = timeoutMs;
  deadline = millis() + timeoutMs;
  busyResend = false; // a busy of the previous command is not this one's
  logStart(ascii("at> "));
  logCmd(cmdLen - (crlf ? 2 : 1));
  logEnd(LOG_DEBUG);
  flushCmd();
}

/** A command without arguments, information line or prompt. */
export function command(s: usize, timeoutMs: u32): void {
  begin(s);
  send(timeoutMs, 0, false, false);
}

/** Raw bytes after a prompt (the data of CIPSEND); returns bytes taken. */
export function writeRaw(p: usize, n: i32): i32 {
  const w = uartWrite(p, n);
  return w < 0 ? 0 : w;
}

/** After the data of a send: wait for its result line. */
export function awaitSendResult(timeoutMs: u32): void {
  result = R_WAIT;
  wantPrompt = false;
  deadline = millis() + timeoutMs;
}

function flushCmd(): void {
  while (cmdSent < cmdLen) {
    const w = uartWrite(cmd + cmdSent, cmdLen - cmdSent);
    if (w <= 0) return;
    cmdSent += w;
  }
}

// ---- reading ----

function startsWith(s: usize): bool { return startsAscii(line, lineLen, s); }
/** The line starts with s (for the drivers' recognisers). */
export function starts(s: usize): bool { return startsAscii(line, lineLen, s); }

/** The line is the URC s of our link: s alone, or after the link id 0
 * ("0, CLOSED" / "0,CLOSED"). Another link's ("1, CLOSED") is not ours. */
export function ours(s: usize): bool {
  let o = 0;
  if (lineLen > 2 && load<u8>(line) == 0x30 && load<u8>(line + 1) == 0x2C) o = load<u8>(line + 2) == 0x20 ? 3 : 2;
  return lineLen - o == <i32>load<u8>(s) && startsAscii(line + o, lineLen - o, s);
}

/** A command is in flight and waits for its answer. */
export function waiting(): bool { return result == R_WAIT || result == R_PROMPT; }

/** The k-th (0-based) comma-separated number after the first ':' or ','. */
export function field(p: usize, n: i32, k: i32): i32 {
  let i = 0;
  while (i < n && load<u8>(p + i) != 0x3A) i++;
  if (i == n) i = -1;
  i++;
  for (let f = 0; f < k; f++) {
    while (i < n && load<u8>(p + i) != 0x2C) i++;
    i++;
  }
  while (i < n && load<u8>(p + i) == 0x20) i++;
  let v = 0;
  let any = false;
  while (i < n) {
    const c = <i32>load<u8>(p + i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    any = true;
    i++;
  }
  return any ? v : -1;
}

/** The k-th number of the line being read (see field()). */
export function lineField(k: i32): i32 { return field(line, lineLen, k); }

function finish(r: i32): void {
  if (result == R_WAIT || result == R_PROMPT) {
    result = r;
    // counted bytes are whole only when a final OK comes after them: the
    // read's own OK, or for pushed +IPD data any command's (a module that
    // reset meanwhile would have lost the command)
    if (r == R_OK) {
      timeouts = 0; // counts timeouts in a row
      ring.rxCommit();
    } else unconfirmed();
  }
}

/** Drops counted bytes whose response did not end in OK (error, timeout,
 * the module restarted): the link's byte stream now has a hole. */
function unconfirmed(): void {
  const n = ring.rxDrop();
  if (n > 0) {
    urc |= U_HOLE;
    logStart(ascii("modem: read not confirmed, dropped "));
    logInt(n);
    logEnd(LOG_WARN);
  }
}

/** A sign of a module restart: what it sent mid-read was boot noise. */
function rebooted(): void {
  urc |= U_REBOOT;
  unconfirmed();
}

/** A whole line has arrived (without CRLF). */
function onLine(): void {
  if (lineLen == 0) return;
  logStart(ascii("at< "));
  logBytes(line, lineLen);
  logEnd(LOG_DEBUG);
  // the echo of our own command; after ATE0 it means the module restarted
  if (startsWith(ascii("AT"))) {
    if (echoOff) { urc |= U_BOOT; rebooted(); }
    // ESP link URCs come without a CR LF of their own: "AT+CIPM1,CONNECT"
    // is the start of the echo with a URC glued to it. What differs from the
    // command is read as a line of its own.
    let k = 0;
    while (k < lineLen && k < cmdLen && load<u8>(line + k) == load<u8>(cmd + k)) k++;
    if (k < 2 || k >= lineLen || cmdLen == 0) return;
    memory.copy(line, line + k, lineLen - k);
    lineLen -= k;
    if (startsWith(ascii("AT"))) return;
  }
  // the bound driver's lines: URCs, data headers, its own final answers
  const f = fam.line();
  if (f != 0) {
    if ((f & U_REBOOT) != 0) unconfirmed(); // what it sent mid-read was boot noise
    if ((f & U_BUSY) != 0 && result == R_WAIT) {
      // the module dropped our input: send the command again shortly
      busyResend = true;
      busyResendAt = millis() + 300;
    }
    // only a send command's own result ends it (a stray one, of another link
    // or garbled, once ended a bring-up command)
    const sent = f & (U_SEND_OK | U_SEND_FAIL);
    urc |= f & 0xFFFF & ~(U_BUSY | U_SEND_OK | U_SEND_FAIL);
    if (sent != 0 && sendCmd) { urc |= sent; finish(sent == U_SEND_OK ? R_OK : R_ERROR); }
    if (!waiting()) return;
    if ((f & L_OK) != 0 && !wantPrompt) finish(R_OK);
    if ((f & L_ERROR) != 0) { if (infoLen == 0) copyInfo(); finish(R_ERROR); } // keep an earlier reason line (+CWJAP:2 before FAIL)
    if ((f & L_INFO) != 0) copyInfo();
    return;
  }
  if (!waiting()) return; // stray line
  // ---- answers to the command in flight ----
  if (startsWith(ascii("OK"))) {
    // ESP answers CIPSEND with OK before its '>': keep waiting for the prompt
    if (!wantPrompt) finish(R_OK);
    return;
  }
  if (startsWith(ascii("ERROR")) || startsWith(ascii("+CME ERROR")) || startsWith(ascii("+CMS ERROR"))) {
    if (infoLen == 0) copyInfo();
    finish(R_ERROR);
    return;
  }
  if (expect != 0 && startsWith(expect)) { copyInfo(); return; }
  if (bareLine) {
    const c = load<u8>(line);
    if (c >= 48 && c <= 57) { copyInfo(); finish(R_OK); }
  }
}

function copyInfo(): void {
  memory.copy(info, line, lineLen);
  infoLen = lineLen;
}

/** Writes a data byte of a counted read to the link's receive ring,
 * pending until its response ends in OK. */
function dataByte(b: u8): void {
  // a pushed burst (no backpressure, up to 2920 bytes) cannot be held whole:
  // its last half-ring of bytes is, and the older ones go to the session so
  // that it keeps up. A module that resets in the burst spoils what follows
  // the cut: its boot output, shorter than that, stays held. Pulled reads
  // are sized to the free room and held whole.
  if (pushed && ring.rxPend >= C.LINK_RX_BYTES / 2) ring.rxRelease();
  if (!ring.rxPut(b)) {
    // no room: the stream has a hole
    lost++;
    urc |= U_HOLE;
  }
}

/** A driver's data header: len bytes of link data follow, pulled (the
 * answer to a read; `left` more wait in the module, -1 unknown). */
export function countedRead(len: i32, left: i32): void {
  binLeft = max(len, 0);
  rxLeft = left;
  pushed = other = false;
}

/**
 * A pushed data header `+IPD,[id,]len[,ip,port]` or `+RECEIVE,id,len` (the
 * driver saw its name and the ':'): the length is the last of the leading
 * all-digit fields, the link id the first when there are two. Another link's
 * bytes are read and dropped. False when the ':' is inside a quoted IPv6
 * address (the header goes on).
 */
export function pushedRead(): bool {
  let quotes = 0;
  for (let k = 0; k < lineLen; k++) if (load<u8>(line + k) == 0x22) quotes++;
  if ((quotes & 1) != 0) return false;
  let k = 0;
  while (load<u8>(line + k) != 0x2C) k++;
  let len = 0, id = 0, fields = 0, v = 0, digits = 0;
  // fields after the first ',': a field counts when all digits and ended by ',' or the ':'
  while (++k <= lineLen) {
    const c = k < lineLen ? <i32>load<u8>(line + k) : 0x2C;
    if (c >= 48 && c <= 57) { v = v * 10 + c - 48; digits++; continue; }
    if (c != 0x2C || digits == 0) break;
    if (fields++ == 0) id = v;
    len = v;
    v = digits = 0;
  }
  // the module framed new data after the last: that one came whole
  // (a module that restarted has no link to push from)
  ring.rxCommit();
  pushed = true;
  other = fields > 1 && id != 0;
  binLeft = len;
  return true;
}

function feed(b: u8): void {
  if (binLeft > 0) {
    if (!other) dataByte(b);
    binLeft--;
    return;
  }
  if (b == 0x0A) {
    // strip the CR
    if (lineLen > 0 && load<u8>(line + lineLen - 1) == 0x0D) lineLen--;
    onLine();
    lineLen = 0;
    return;
  }
  if (lineLen == 0 && b == 0x3E && wantPrompt && result == R_WAIT) { // '>'
    result = R_PROMPT;
    return;
  }
  if (lineLen == 0 && (b == 0x0D || b == 0x20 || b == 0x00 || b == 0xFF)) return; // noise
  if ((b == 0x3A || b == 0x2C) && fam.header(b)) { lineLen = 0; return; }
  if (lineLen < C.AT_LINE_BYTES) store<u8>(line + lineLen++, b);
}

/** Reads what the UART has; times out the command in flight. */
export function poll(): void {
  if (busyResend && <i32>(millis() - busyResendAt) >= 0) {
    busyResend = false;
    // only a command still waiting is sent again, with its own time limit
    if (result == R_WAIT) {
      cmdSent = 0;
      deadline = millis() + cmdTimeout;
    }
  }
  flushCmd();
  // read in chunks, but never more than the receive ring can take while a
  // binary read is in progress, so data is not read faster than it is used
  for (let guard = 0; guard < 32; guard++) {
    const n = uartRead(chunk, binLeft > 0 ? min(64, ring.rxFree()) : 64);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) feed(load<u8>(chunk + i));
  }
  if ((result == R_WAIT || result == R_PROMPT) && <i32>(millis() - deadline) > 0) {
    logStart(ascii("at: timeout "));
    logCmd(min(cmdLen - 1, 24));
    logEnd(LOG_WARN);
    result = R_TIMEOUT;
    timeouts++;
    binLeft = 0;
    unconfirmed();
  }
}

/** Forgets everything in flight (after a power cycle or reboot). */
export function reset(): void {
  result = R_NONE;
  cmdLen = cmdSent = 0;
  lineLen = 0;
  binLeft = 0;
  urc = 0;
  echoOff = false;
  wantPrompt = false;
  busyResend = false;
}

/** The command slot is free and the last result has been taken. */
export function idle(): bool { return result == R_NONE; }

export function logLine(s: usize): void { logStart(s); logEnd(LOG_WARN); }
