// The link over an AT modem: one state machine for every family, with the
// family's commands in sim800.ts / espat.ts. Each step does at most one
// thing and returns; every wait has a deadline; failures climb a ladder:
//   socket closed      -> reopen (the session reconnects after backoff)
//   reopen fails twice -> re-attach (CIPSHUT + CSTT/CIICR, or CWJAP again)
//   3 AT timeouts, a power-down URC or a module that stays silent
//                      -> power cycle through PWRKEY, bring-up from AT
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as E from "../errors";
import * as at from "./at";
import * as ring from "./ring";
import { millis, gpioWrite, uartSetBaud } from "../host/abi";
import { logStart, logStr, logInt, logEnd, LOG_WARN, LOG_INFO, LOG_ERROR } from "../host/log";
import { LINK_DOWN, LINK_OPENING, LINK_UP } from "./linkstate";
import { NEXT, RETRY, ESCALATE, REFUSED, NO_TLS, SKIP, DONE } from "./modemcfg";
import * as modemCfg from "./modemcfg";
import { simInit, simInitResult, simRead, simPoll, simPollResult, SIM_REATTACH_PHASE } from "./sim800";
import { espInit, espInitResult, espRead, espPoll, espPollResult, espPassive, setEspPassive, ESP_REATTACH_PHASE } from "./espat";
import { s76Init, s76InitResult, s76Connect, s76Send, s76Read, s76Poll, s76PollResult, s76Close, S76_REATTACH_PHASE, S76_PWRKEY_MS } from "./sim7600";
import { bg96Init, bg96InitResult, bg96Connect, bg96Send, bg96Read, bg96Poll, bg96PollResult, bg96Close, BG96_REATTACH_PHASE } from "./bg96";

export const FAMILY_SIM = 1;
export const FAMILY_ESP = 2;
export const FAMILY_SIM7600 = 3;
export const FAMILY_BG96 = 4;
let family: i32 = FAMILY_SIM;

const M_POWER_LOW = 0;   // PWRKEY held low
const M_BOOT = 1;        // waiting for the module to boot
const M_INIT = 2;        // bring-up phases
const M_READY = 3;       // bearer up, no socket
const M_CONNECT = 4;     // CIPSTART in flight / waiting for CONNECT OK
const M_OPEN = 5;        // socket up
const M_SEND = 6;        // CIPSEND: prompt, data, result
const M_READ = 7;        // CIPRXGET=2 / CIPRECVDATA
const M_POLL = 8;        // asking how much is waiting
const M_CLOSE = 9;       // CIPCLOSE
const M_PAUSE = 10;      // waiting before retrying a phase

let m: i32 = M_READY;
let phase: i32 = 0;
let until: u32 = 0;
let retries: i32 = 0;
let wantOpen: bool = false;     // the session asked for a socket
let socketUp: bool = false;
let peerClosed: bool = false;
/** The session closed the link: what it wrote last (its DISCONNECT) goes
 * out before CIPCLOSE; meanwhile the socket is no longer the session's. */
let closeWanted: bool = false;
let connectFails: i32 = 0;
/** SEND FAIL / ERROR on sends in a row, across reconnects: a stale bearer. */
let sendFails: i32 = 0;
let sending: i32 = 0;           // bytes in the CIPSEND in flight
let sentRaw: i32 = 0;
let lastPoll: u32 = 0;
let refusedCode: i32 = 0;
let lastLost: u32 = 0;
let baud: i32 = 115200;
/** Received bytes were dropped unconfirmed: the stream has a hole, the
 * socket is closed and nothing more is read from it. */
let hole: bool = false;
/** Why the last open failed, when known (E_TLS, E_UNSUPPORTED), else 0. */
let err: i32 = 0;
/** Bring-up help: when AT goes unanswered at the configured rate, the
 * other common rates get one probe each before the power cycle; one that
 * answers is said and kept. 0: the configured rate, 1..5: commonRate(scan - 1). */
let scan: i32 = 0;

let host: usize = 0;
let hostLen: i32 = 0;
let port: i32 = 0;

export function modemSelect(f: i32, b: i32): void {
  family = f;
  baud = b;
  at.setCrLf(f == FAMILY_ESP);
  uartSetBaud(b);
  // the module may well be on already: ask before touching PWRKEY, which toggles power
  at.reset();
  // a fresh selection starts with no socket, whatever a previous one left
  linkLost();
  peerClosed = false;
  connectFails = sendFails = 0;
  scan = 0;
  ring.clear();
  startInit(0);
}

/** 9600, 19200, 38400, 57600, 115200 */
function commonRate(i: i32): i32 { return i < 3 ? 9600 << i : 57600 << (i - 3); }

/** Phase 0 gave up at the rate tried: on to the next common rate (true),
 * or none left (false: back to the configured rate, said, power cycle). */
function nextRate(): bool {
  do scan++; while (scan < 6 && commonRate(scan - 1) == baud);
  if (scan < 6) { uartSetBaud(commonRate(scan - 1)); return true; }
  scan = 0;
  uartSetBaud(baud);
  say(ascii("no AT answer at 9600-115200 baud: supply weak for 2 A bursts? TX/RX swapped? 5 V levels? module off/asleep? baud "), baud);
  return false;
}

function say(s: usize, v: i32): void {
  logStart(ascii("modem: "));
  logStr(s);
  logInt(v);
  logEnd(LOG_WARN);
}

/** The pin that restarts the module: PWRKEY on SIMCom (a long pulse toggles
 * power), RESET on ESP (CH_PD / RST: low holds the chip in reset, high boots);
 * an ESP module has no PWRKEY. */
function powerPin(): i32 { return family == FAMILY_ESP ? C.PIN_RESET : C.PIN_PWRKEY; }

/** PWRKEY low for 1.6 s (long enough to switch a hung SIM800 off; the next
 * cycle switches it on), RESET low 0.1 s on ESP; boot takes a few seconds. */
function powerCycle(): void {
  say(ascii("power cycle, timeouts "), at.timeouts);
  gpioWrite(powerPin(), 0);
  scan = 0; // the module restarts at the configured rate
  m = M_POWER_LOW;
  until = millis() + (family == FAMILY_ESP ? C.ESP_RESET_MS : (C.LTE_MODEMS && family == FAMILY_SIM7600) ? S76_PWRKEY_MS : C.PWRKEY_MS);
  at.reset();
  at.clearTimeouts();
  ring.clear();
  linkLost();
}

/** The socket is gone; tell the session once. */
function linkLost(): void {
  socketUp = false;
  wantOpen = false;
  closeWanted = false;
}

function startInit(from: i32): void {
  m = M_INIT;
  phase = from;
  retries = 0;
  at.done();
}

function initStep(): i32 {
  if (C.LTE_MODEMS) {
    if (family == FAMILY_SIM7600) return s76Init(phase);
    if (family == FAMILY_BG96) return bg96Init(phase);
  }
  return family == FAMILY_SIM ? simInit(phase) : espInit(phase);
}

function initResult(r: i32): i32 {
  if (C.LTE_MODEMS) {
    if (family == FAMILY_SIM7600) return s76InitResult(phase, r);
    if (family == FAMILY_BG96) return bg96InitResult(phase, r);
  }
  return family == FAMILY_SIM ? simInitResult(phase, r) : espInitResult(phase, r);
}

function reattachPhase(): i32 {
  if (C.LTE_MODEMS) {
    if (family == FAMILY_SIM7600) return S76_REATTACH_PHASE;
    if (family == FAMILY_BG96) return BG96_REATTACH_PHASE;
  }
  return family == FAMILY_SIM ? SIM_REATTACH_PHASE : ESP_REATTACH_PHASE;
}

/** The LTE modules: their own connect / send / read / close commands, always pulled reads. */
function lte(): bool { return C.LTE_MODEMS && family >= FAMILY_SIM7600; }

function bringingUp(): bool { return m <= M_INIT || m == M_PAUSE; }

/** Handles URCs between steps (never from inside the reader). */
function urcs(): void {
  const u = at.urc;
  if (u == 0) return;
  if ((u & at.U_POWER_DOWN) != 0) {
    at.clearUrc(-1);
    say(ascii("module powered down, urc "), u);
    powerCycle();
    return;
  }
  if ((u & at.U_REBOOT) != 0 && bringingUp()) at.clearUrc(at.U_REBOOT); // boot lines during bring-up
  else if ((u & at.U_REBOOT) != 0) {
    at.clearUrc(-1);
    say(ascii("module restarted, state "), m);
    at.reset();
    linkLost();
    ring.clear();
    startInit(0);
    return;
  }
  if ((u & at.U_PDP_DEACT) != 0) {
    if (bringingUp()) at.clearUrc(at.U_PDP_DEACT);
    else if (at.state() != at.R_WAIT && at.state() != at.R_PROMPT) {
      at.clearUrc(at.U_PDP_DEACT);
      say(ascii("bearer lost, state "), m);
      linkLost();
      startInit(reattachPhase());
    }
    // else a command is in flight (perhaps in the middle of a send's
    // data): act once its answer is in, never write into it
  }
  if ((u & at.U_CLOSED) != 0 && socketUp && m != M_CLOSE) {
    peerClosed = true;
  }
  if ((u & at.U_HOLE) != 0) {
    at.clearUrc(at.U_HOLE);
    // the broker redelivers what was not acknowledged, on a new connection
    if (socketUp) hole = peerClosed = true;
  }
}

/** Runs the modem on every session poll: reads the UART, then steps the
 * state machine while it makes progress without waiting on the module. */
export function modemPoll(): void {
  at.poll();
  const lost = at.lostBytes();
  if (lost != lastLost) {
    say(ascii("rx overrun, lost "), <i32>lost);
    lastLost = lost;
  }
  for (let k = 0; k < 4; k++) {
    urcs(); // also between steps: a result just taken may release a deferred URC
    const before = m;
    step(millis());
    if (m == before && !at.idle()) break;
    if (m == before && (m == M_READY || m == M_OPEN || m == M_PAUSE)) break;
  }
}

/** How long the modem can wait before its next step (0: now). */
export function modemSleep(): u32 {
  if (m == M_POWER_LOW || m == M_BOOT || m == M_PAUSE) return max(<i32>(until - millis()), 0);
  if (m == M_OPEN) {
    if (ring.txUsed() > 0 || closeWanted || (at.urc & at.U_DATA) != 0) return 0;
    return max(<i32>(lastPoll + C.AT_POLL_MS - millis()), 0);
  }
  // a command is in flight: the UART wakes the host; else its deadline
  return 50;
}

function step(now: u32): void {
  // a module that ignores three commands in a row is hung: power cycle
  // (not while probing with AT at bring-up: that phase has its own budget of
  // ~5 s, for a module still booting or syncing its autobaud)
  if (at.timeouts >= 3 && m > M_BOOT && at.idle() && !(m <= M_PAUSE && phase == 0 && bringingUp())) { powerCycle(); return; }
  if (m == M_POWER_LOW) {
    if (<i32>(now - until) < 0) return;
    gpioWrite(powerPin(), 1);
    m = M_BOOT;
    until = now + 3000;
    return;
  }
  if (m == M_BOOT) {
    if (<i32>(now - until) < 0) return;
    uartSetBaud(baud);
    at.reset();
    startInit(0);
    return;
  }
  if (m == M_PAUSE) {
    if (<i32>(now - until) < 0) return;
    m = M_INIT;
  }
  const r = at.state();
  if (m == M_INIT) {
    if (r == at.R_NONE) {
      const s = initStep();
      if (s == DONE) ready();
      else if (s == SKIP) phase++;
      return;
    }
    if (r == at.R_WAIT) return;
    const next = initResult(r);
    at.done();
    if (next == NEXT) {
      if (phase == 0) {
        if (scan > 0) {
          baud = commonRate(scan - 1);
          say(ascii("AT answers at another rate, kept: baud "), baud);
        }
        scan = 0;
      }
      phase++;
      retries = 0;
      return;
    }
    if (next == RETRY) {
      // no answer to AT for ~5 s: off, hung or at another baud rate
      if (++retries > (phase == 0 ? (scan == 0 ? 8 : 0) : 60)) {
        if (phase != 0 || !nextRate()) { powerCycle(); return; }
        retries = 0;
      }
      m = M_PAUSE;
      until = now + (phase == 0 ? 200 : 1000);
      return;
    }
    if (next == REFUSED || next == NO_TLS) {
      refusedCode = phase;
      if (next == NO_TLS) err = E.E_UNSUPPORTED;
      say(next == NO_TLS ? ascii("no TLS, phase ") : ascii("network refused us, phase "), phase);
      linkLost();
      m = M_PAUSE;
      until = now + 10000;
      return;
    }
    if (next == ESCALATE) {
      if (at.timeouts >= 3) { powerCycle(); return; }
      if (++retries > 3) { powerCycle(); return; }
      m = M_PAUSE;
      until = now + 1000;
      return;
    }
    phase = next;
    return;
  }
  if (m == M_READY) {
    if (wantOpen && !socketUp) startConnect();
    return;
  }
  if (m == M_CONNECT) { connectStep(r, now); return; }
  if (m == M_SEND) { sendStep(r); return; }
  if (m == M_READ || m == M_POLL) { readStep(r); return; }
  if (m == M_CLOSE) {
    if (r == at.R_WAIT) return;
    at.done();
    socketUp = false;
    closeWanted = false;
    m = M_READY;
    // sends failing on fresh sockets too: the bearer is gone unannounced
    if (sendFails >= 2) { sendFails = 0; startInit(reattachPhase()); }
    return;
  }
  if (m == M_OPEN) openStep(now);
}

function ready(): void {
  m = M_READY;
  logStart(ascii("modem: ready"));
  logEnd(LOG_INFO);
  at.clearUrc(at.U_CONNECT_OK | at.U_CONNECT_FAIL | at.U_CLOSED | at.U_REBOOT);
}

function startConnect(): void {
  at.clearUrc(at.U_CONNECT_OK | at.U_CONNECT_FAIL | at.U_CLOSED | at.U_TLS_FAIL);
  ring.clear();
  peerClosed = hole = false;
  if (lte()) {
    if (C.LTE_MODEMS) { if (family == FAMILY_SIM7600) s76Connect(host, hostLen, port); else bg96Connect(host, hostLen, port); }
  } else {
  // the same command on both families (link 0 in multi-link mode); the ESP
  // opens its SSL links itself, SIM800 after CIPSSL=1 at bring-up
  at.begin(family == FAMILY_ESP && (modemCfg.tls & 1) != 0 ? ascii("AT+CIPSTART=0,\"SSL\",") : ascii("AT+CIPSTART=0,\"TCP\","));
  at.addQuoted(host, hostLen, false);
  at.add(ascii(","));
  at.addInt(port);
  at.send(family == FAMILY_SIM ? 2000 : 20000, 0, false, false);
  }
  m = M_CONNECT;
  until = millis() + (family == FAMILY_ESP ? 20000 : lte() ? 150000 : 75000);
}

function connectStep(r: i32, now: u32): void {
  // a refused handshake: SIM800 closes during CIPSTART, ESP answers ERROR
  // (its reason is not told: a refused TCP connect looks the same)
  // the LTE modules answer a failed open with an error code that does not
  // always tell TCP from TLS (BG96 566): over TLS it counts as TLS, as on ESP
  const tls = (modemCfg.tls & 1) != 0 && ((at.urc & at.U_TLS_FAIL) != 0 || (family == FAMILY_ESP && r == at.R_ERROR) || (lte() && (at.urc & at.U_CONNECT_FAIL) != 0));
  if (tls) {
    err = E.E_TLS;
    say(ascii("TLS failed, port "), port);
  }
  if (r == at.R_ERROR || r == at.R_TIMEOUT) {
    at.done();
    connectFailed();
    return;
  }
  if (r == at.R_OK) at.done();
  if (tls || (at.urc & at.U_CONNECT_FAIL) != 0) { connectFailed(); return; }
  if ((at.urc & at.U_CONNECT_OK) != 0 && at.idle()) {
    at.clearUrc(at.U_CONNECT_OK);
    socketUp = true;
    connectFails = 0;
    m = M_OPEN;
    lastPoll = now;
    return;
  }
  if (<i32>(now - until) > 0) { at.done(); connectFailed(); }
}

function connectFailed(): void {
  at.clearUrc(at.U_CONNECT_OK | at.U_CONNECT_FAIL | at.U_TLS_FAIL);
  say(ascii("connect failed, in a row "), ++connectFails);
  linkLost();
  if (connectFails >= 2) {
    // the bearer may be stale (PDP DEACT unseen): re-attach
    connectFails = 0;
    startInit(reattachPhase());
  } else {
    m = M_READY;
  }
}

function openStep(now: u32): void {
  // in the pull modes (SIM CIPRXGET, ESP passive) what the module still holds
  // is read first: a broker's last words (a refusing CONNACK) come just before its close
  if (peerClosed && (hole || ring.rxUsed() == 0 && ((family == FAMILY_ESP && !espPassive) || (at.urc & at.U_DATA) == 0))) {
    socketUp = false;
    linkLost();
    // ESP too: after SEND FAIL the link may still be up, and the next
    // CIPSTART would get ALREADY CONNECTED (a closed link answers ERROR)
    closeSocket();
    return;
  }
  // several queued MQTT packets go out in one send; never on a socket known
  // dead (after SEND FAIL the ESP forgets the link: each CIPSEND would get
  // "link is not valid" while unread data holds the close back). Closing
  // waits for this: the DISCONNECT the session wrote just before closing
  // must reach the broker, or it publishes the will.
  const n = peerClosed ? 0 : min(ring.txUsed(), family == FAMILY_ESP ? 2048 : 1460);
  if (n > 0) {
    sending = n;
    sentRaw = 0;
    // '>' comes first, then the data (every family)
    if (lte()) {
      if (C.LTE_MODEMS) { if (family == FAMILY_SIM7600) s76Send(n); else bg96Send(n); }
    } else {
      at.begin(ascii("AT+CIPSEND=0,"));
      at.addInt(n);
      at.send(5000, 0, false, true);
    }
    m = M_SEND;
    return;
  }
  if (!wantOpen || closeWanted) { closeSocket(); return; }
  // pushed data (+IPD) waits for a final OK (or the next +IPD): ask for one
  // (it comes after whatever the module has queued to push: seconds of it)
  if (ring.rxPend > 0) {
    at.begin(ascii("AT"));
    at.send(5000, 0, false, false);
    m = M_READ;
    return;
  }
  const room = ring.rxFree();
  // a passive-mode notification (+IPD,0,n without data) from a module we
  // took for active: it is passive after all, read as such
  if (family == FAMILY_ESP && !espPassive && (at.urc & at.U_DATA) != 0) setEspPassive(true);
  if (room >= 64 && (family != FAMILY_ESP || espPassive)) {
    if ((at.urc & at.U_DATA) != 0) {
      at.clearUrc(at.U_DATA);
      const k = min(room, family == FAMILY_ESP ? 2048 : 1460);
      if (lte()) {
        if (C.LTE_MODEMS) { if (family == FAMILY_SIM7600) s76Read(k); else bg96Read(k); }
      } else if (family == FAMILY_SIM) simRead(k);
      else espRead(k);
      m = M_READ;
      return;
    }
    if (now - lastPoll >= C.AT_POLL_MS) {
      // a notification may have been lost: ask
      lastPoll = now;
      if (lte()) {
        if (C.LTE_MODEMS) { if (family == FAMILY_SIM7600) s76Poll(); else bg96Poll(); }
      } else if (family == FAMILY_SIM) simPoll();
      else espPoll();
      m = M_POLL;
    }
  }
}

function sendStep(r: i32): void {
  if (r == at.R_PROMPT) {
    sentRaw += at.writeRaw(ring.txData() + sentRaw, sending - sentRaw);
    if (sentRaw == sending) at.awaitSendResult(family == FAMILY_ESP ? 5000 : 10000);
    return;
  }
  if (r == at.R_WAIT) return;
  at.done();
  if (r == at.R_OK) {
    ring.txDrop(sending);
    at.clearUrc(at.U_SEND_OK);
    m = M_OPEN;
    sendFails = 0;
    return;
  }
  // SEND FAIL / ERROR / timeout: the socket is not usable
  sendFails++;
  say(ascii("send failed, result "), r);
  at.clearUrc(at.U_SEND_FAIL);
  peerClosed = true;
  m = M_OPEN;
  if (r == at.R_TIMEOUT && at.timeouts >= 3) powerCycle();
}

function readStep(r: i32): void {
  if (r == at.R_WAIT) return;
  const wasPoll = m == M_POLL;
  at.done();
  m = M_OPEN;
  if (r == at.R_TIMEOUT) {
    if (at.timeouts >= 3) powerCycle();
    return;
  }
  if (wasPoll && r == at.R_OK) {
    let waiting = 0;
    if (lte()) {
      if (C.LTE_MODEMS) waiting = family == FAMILY_SIM7600 ? s76PollResult() : bg96PollResult();
    } else waiting = family == FAMILY_SIM ? simPollResult() : espPollResult();
    if (waiting > 0) at.setUrc(at.U_DATA);
  } else if (!wasPoll && r == at.R_OK && family != FAMILY_ESP && at.rxLeft > 0) {
    at.setUrc(at.U_DATA);
  } else if (!wasPoll && r == at.R_OK && family == FAMILY_ESP) {
    // more may be waiting: ask again on the next poll tick
    lastPoll = 0;
  }
}

function closeSocket(): void {
  if (lte()) {
    if (C.LTE_MODEMS) { if (family == FAMILY_SIM7600) s76Close(); else bg96Close(); }
  } else {
    at.begin(ascii("AT+CIPCLOSE=0"));
    at.send(5000, 0, false, false);
  }
  m = M_CLOSE;
}

// ---- the link interface ----

export function modemOpen(h: usize, hl: i32, p: i32): i32 {
  host = h; hostLen = hl; port = p;
  err = 0;
  wantOpen = true;
  return 0;
}

export function modemState(): i32 {
  if (socketUp && m >= M_OPEN && !closeWanted) return LINK_UP;
  return wantOpen ? LINK_OPENING : LINK_DOWN;
}

export function modemWrite(p: usize, n: i32): i32 {
  if (!socketUp || closeWanted) return E.E_LINK_CLOSED;
  return ring.txPut(p, n);
}

export function modemRead(p: usize, n: i32): i32 {
  const k = hole ? 0 : ring.rxTake(p, n);
  if (k > 0) return k;
  if (!socketUp) return E.E_LINK_CLOSED;
  return 0;
}

export function modemClose(): void {
  wantOpen = false;
  // the state machine sends what is queued, then CIPCLOSE (after the command
  // in flight, if any: a socket left open here was never closed before)
  if (socketUp) closeWanted = true;
}

/** Bytes written by the session and not yet acknowledged by the module. */
export function modemPendingOut(): i32 { return ring.txUsed(); }

export function modemError(): i32 { return err; }

/** The reason the network refused us (0 none): the bring-up phase. */
export function modemRefused(): i32 { return refusedCode; }
