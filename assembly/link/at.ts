// The AT engine: one byte-stream tokenizer over the modem UART and a
// command slot with strictly one command in flight.
//
// The tokenizer sees every byte once, in every state: it splits lines,
// recognises URCs wherever they fall (inside a response, inside the echo,
// between '>' and SEND OK), switches to counted binary reads on length
// headers (+CIPRXGET: 2,…  +IPD,…:  +CIPRECVDATA:n,) and matches '>' as a
// token. URCs only set flags; the drivers act on them in their own step,
// never from inside the reader (the TinyGSM stall of failure 4).
import { ascii } from "../mem/ascii";
import * as C from "../config";
import { uartRead, uartWrite, millis } from "../host/abi";
import { logStart, logStr, logBytes, logInt, logEnd, LOG_WARN, LOG_DEBUG } from "../host/log";
import * as ring from "./ring";
import { startsAscii } from "../mem/bytes";
import { lteLineKind, lteCountField, LTE_NONE, LTE_COUNT, LTE_OPENED, LTE_OPEN_FAILED, LTE_CLOSED, LTE_DATA, LTE_PDP_LOST, LTE_POWER_DOWN } from "./lte-lines";

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
/** Prefix of a final line that comes after OK (0: OK is final). */
let finalPrefix: usize = 0;
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
let sinceTx: u32 = 0;
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
  let d = 1;
  while (v / d >= 10) d *= 10;
  while (d > 0 && cmdLen < C.AT_CMD_BYTES - 2) { store<u8>(cmd + cmdLen++, <u8>(48 + (v / d) % 10)); d /= 10; }
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
  finalPrefix = 0;
  rxLeft = 0;
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

/** Raw bytes after a prompt (the data of CIPSEND); returns bytes taken. */
export function writeRaw(p: usize, n: i32): i32 {
  const w = uartWrite(p, n);
  if (w > 0) sinceTx = millis();
  return w < 0 ? 0 : w;
}

/** The command just sent ends with a line of its own after its OK
 * (SIM7600 `+NETOPEN: 0`): wait up to timeoutMs for a line with prefix p,
 * kept as the information line. */
export function finalOn(p: usize, timeoutMs: u32): void {
  finalPrefix = p;
  deadline = millis() + timeoutMs;
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
    sinceTx = millis();
  }
}

// ---- reading ----

function startsWith(s: usize): bool { return startsAscii(line, lineLen, s); }

/** The line ends with s (URCs with an optional "n, " in front). */
function endsWith(s: usize): bool {
  const n = <i32>load<u8>(s);
  if (lineLen < n) return false;
  const o = lineLen - n;
  if (memory.compare(line + o, s + 1, n) != 0) return false;
  // what precedes must be empty or a connection id prefix like "0, " / "0,"
  for (let i = 0; i < o; i++) {
    const c = load<u8>(line + i);
    if (!(c >= 48 && c <= 57) && c != 0x2C && c != 0x20) return false;
  }
  return true;
}

function isNumberedUrc(s: usize): bool { return endsWith(s); }


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
    if (echoOff) rebooted();
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
  // counted binary read announced on a line of its own (SIM manual mode)
  if (startsWith(ascii("+CIPRXGET: 2")) || startsWith(ascii("+CIPRXGET:2"))) {
    binLeft = field(line, lineLen, 2);
    pushed = false;
    rxLeft = field(line, lineLen, 3);
    if (binLeft < 0) binLeft = 0;
    return;
  }
  if (C.LTE_MODEMS && lteLine()) return;
  // ---- URCs, in any state ----
  if (isNumberedUrc(ascii("CLOSED"))) { urc |= U_CLOSED; return; }
  if (isNumberedUrc(ascii("CONNECT OK")) || isNumberedUrc(ascii("CONNECT")) || isNumberedUrc(ascii("ALREADY CONNECT")) || startsWith(ascii("ALREADY CONNECTED"))) {
    urc |= U_CONNECT_OK;
    return;
  }
  if (isNumberedUrc(ascii("CONNECT FAIL"))) { urc |= U_CONNECT_FAIL; return; }
  if (isNumberedUrc(ascii("SEND OK")) || startsWith(ascii("DATA ACCEPT"))) { if (sendCmd) { urc |= U_SEND_OK; finish(R_OK); } return; }
  if (isNumberedUrc(ascii("SEND FAIL"))) { if (sendCmd) { urc |= U_SEND_FAIL; finish(R_ERROR); } return; }
  if (startsWith(ascii("+PDP: DEACT")) || startsWith(ascii("WIFI DISCONNECT"))) { urc |= U_PDP_DEACT; return; }
  if (startsWith(ascii("+CIPRXGET: 1")) || startsWith(ascii("+CIPRXGET:1")) || startsWith(ascii("+IPD,"))) { urc |= U_DATA; return; }
  // only what a restart prints: Call Ready / SMS Ready end the phonebook and
  // SMS set-up and may come seconds after registration (TinyGSM #537)
  if (startsWith(ascii("RDY")) || startsWith(ascii("+CFUN: 1")) || startsWith(ascii("ready"))) {
    rebooted();
    return;
  }
  if (startsWith(ascii("NORMAL POWER DOWN")) || startsWith(ascii("UNDER-VOLTAGE POWER")) || startsWith(ascii("OVER-VOLTAGE POWER"))) {
    urc |= U_POWER_DOWN;
    finish(R_OK); // the answer to CPOWD
    return;
  }
  if (startsWith(ascii("UNDER-VOLTAGE WARN")) || startsWith(ascii("OVER-VOLTAGE WARN"))) {
    logStart(ascii("modem: voltage warning"));
    logEnd(LOG_WARN);
    return;
  }
  if (startsWith(ascii("busy "))) {
    // the module dropped our input: send the command again shortly
    if (result == R_WAIT) { busyResend = true; busyResendAt = millis() + 300; }
    return;
  }
  if (startsWith(ascii("WIFI GOT IP"))) { urc |= U_WIFI_IP; return; }
  if (startsWith(ascii("WIFI CONNECTED")) || startsWith(ascii("RING")) || startsWith(ascii("+CMTI")) || startsWith(ascii("*PSUTTZ")) ||
      startsWith(ascii("+CTZV")) || startsWith(ascii("DST:")) || startsWith(ascii("Recv ")) || startsWith(ascii("+CIEV")) ||
      startsWith(ascii("Call Ready")) || startsWith(ascii("SMS Ready"))) return;
  if (result != R_WAIT && result != R_PROMPT) {
    if (isNumberedUrc(ascii("CLOSE OK"))) urc |= U_TLS_FAIL;
    // the SIM started again unasked: the module restarted (or lost its SIM)
    if (startsWith(ascii("+CPIN: READY"))) rebooted();
    return; // stray line
  }
  // ---- answers to the command in flight ----
  if (startsWith(ascii("OK")) || startsWith(ascii("SHUT OK")) || isNumberedUrc(ascii("CLOSE OK"))) {
    // ESP answers CIPSEND with OK before its '>': keep waiting for the
    // prompt; NETOPEN's OK comes before its own final line
    if (!wantPrompt && finalPrefix == 0) finish(R_OK);
    return;
  }
  if (startsWith(ascii("ERROR")) || startsWith(ascii("+CME ERROR")) || startsWith(ascii("+CMS ERROR")) || startsWith(ascii("FAIL"))) {
    if (infoLen == 0) copyInfo(); // keep an earlier reason line (+CWJAP:2 before FAIL)
    finish(R_ERROR);
    return;
  }
  if (finalPrefix != 0 && startsWith(finalPrefix)) { copyInfo(); finish(R_OK); return; }
  if (expect != 0 && startsWith(expect)) { copyInfo(); return; }
  if (bareLine) {
    const c = load<u8>(line);
    if (c >= 48 && c <= 57) { copyInfo(); finish(R_OK); return; }
  }
  if (startsWith(ascii("+CWJAP:"))) { copyInfo(); return; }
}

/** SIM7600 / BG96 lines (lte-lines.ts tells what they are); true when taken. */
function lteLine(): bool {
  const k = lteLineKind(line, lineLen);
  if (k == LTE_NONE) return false;
  if (k == LTE_COUNT) {
    // a counted read: read until a count of 0
    binLeft = field(line, lineLen, lteCountField(line));
    pushed = false;
    if (binLeft < 0) binLeft = 0;
    rxLeft = binLeft;
  } else if (k == LTE_OPENED) urc |= U_CONNECT_OK;
  else if (k == LTE_OPEN_FAILED) urc |= U_CONNECT_FAIL;
  else if (k == LTE_CLOSED) urc |= U_CLOSED;
  else if (k == LTE_DATA) urc |= U_DATA;
  else if (k == LTE_PDP_LOST) urc |= U_PDP_DEACT;
  else if (k == LTE_POWER_DOWN) { urc |= U_POWER_DOWN; finish(R_OK); }
  return true;
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

/** Pushed data whose header ends in ':' (+IPD,[id,]len: / +RECEIVE,n,len:), or ',' (+CIPRECVDATA:len,). */
function binaryHeader(b: u8): bool {
  if (b == 0x3A && (startsWith(ascii("+IPD,")) || startsWith(ascii("+RECEIVE,")))) {
    // +IPD,[id,]len[,ip,port]: the length is the last of the leading
    // all-digit fields (an IPv6 address in quotes has ':' of its own)
    let quotes = 0;
    for (let k = 0; k < lineLen; k++) if (load<u8>(line + k) == 0x22) quotes++;
    if ((quotes & 1) != 0) return false;
    let i = 0;
    while (load<u8>(line + i) != 0x2C) i++;
    let len = 0;
    while (i < lineLen && load<u8>(line + i) == 0x2C) {
      let v = 0;
      let k = i + 1;
      while (k < lineLen && load<u8>(line + k) >= 48 && load<u8>(line + k) <= 57) { v = v * 10 + (<i32>load<u8>(line + k) - 48); k++; }
      if (k == i + 1 || (k < lineLen && load<u8>(line + k) != 0x2C)) break;
      len = v;
      i = k;
    }
    // the module framed new data after the last: that one came whole
    // (a module that restarted has no link to push from)
    ring.rxCommit();
    pushed = true;
    binLeft = len;
    lineLen = 0;
    return true;
  }
  // ESP8266 AT 1.7.x (NONOS) prints +CIPRECVDATA,len:data, not the documented form
  if (b == 0x3A && startsWith(ascii("+CIPRECVDATA,"))) {
    let v = 0;
    for (let k = 13; k < lineLen; k++) v = v * 10 + (<i32>load<u8>(line + k) - 48);
    binLeft = v;
    pushed = false;
    lineLen = 0;
    return true;
  }
  if (b == 0x2C && startsWith(ascii("+CIPRECVDATA:"))) {
    binLeft = field(line, lineLen, 0);
    pushed = false;
    if (binLeft < 0) binLeft = 0;
    lineLen = 0;
    return true;
  }
  return false;
}

function feed(b: u8): void {
  if (binLeft > 0) {
    dataByte(b);
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
  if (binaryHeader(b)) return;
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

/** Logs a count, for drivers. */
export function note(s: usize, v: i32): void {
  logStart(s);
  logInt(v);
  logEnd(LOG_WARN);
}

export function lastTx(): u32 { return sinceTx; }
export function logLine(s: usize): void { logStart(s); logEnd(LOG_WARN); }
