// The link over an AT modem: one state machine for every family; the
// family's commands and recognisers are its driver (driver.ts), bound once
// in family.ts. Each step does at most one
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
import { NEXT, RETRY, ESCALATE, REFUSED, NO_TLS, SENT, SKIP, DONE, PH_PROBE, PH_ECHO_OFF } from "./driver";
import * as modemCfg from "./modemcfg";
import * as fam from "./family";
export { FAMILY_SIM, FAMILY_ESP, FAMILY_SIM7600, FAMILY_BG96 } from "./family";

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
/** The module answered AT since its last power-up (so it is on). */
let alive: bool = false;
/** The last PWRKEY pulse switched a hung module off, not on. */
let offFirst: bool = false;
/** An AT probe after a timeout is in flight (see step()). */
let probing: bool = false;

let host: usize = 0;
let hostLen: i32 = 0;
let port: i32 = 0;

export function modemSelect(f: i32, b: i32): void {
  fam.bind(f);
  baud = b;
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

/** The driver's restart pin held low for its pulse (PWRKEY 1.6 s on
 * SIMCom: long enough to switch a hung SIM800 off, the next cycle switches
 * it on; RESET 0.1 s on ESP); boot takes a few seconds. */
function powerCycle(): void {
  say(ascii("power cycle, timeouts "), at.timeouts);
  // PWRKEY toggles: a module that answered since its last power-up is on,
  // and this pulse switches it off (the next one, on)
  offFirst = alive && fam.powerPin() == C.PIN_PWRKEY;
  alive = probing = false;
  gpioWrite(fam.powerPin(), 0);
  scan = 0; // the module restarts at the configured rate
  m = M_POWER_LOW;
  until = millis() + fam.powerLowMs();
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
  probing = false;
  m = M_INIT;
  phase = from;
  retries = 0;
  at.done();
}

/** The engine's own phases (AT, ATE0), then the driver's table. */
function initStep(): i32 {
  if (phase == PH_PROBE) { at.command(ascii("AT"), 500); return SENT; }
  if (phase == PH_ECHO_OFF) { at.command(ascii("ATE0"), 1000); return SENT; }
  return fam.phase(phase, at.R_NONE);
}

function initResult(r: i32): i32 {
  if (phase == PH_PROBE) return r == at.R_OK ? NEXT : RETRY;
  if (phase == PH_ECHO_OFF) {
    if (r == at.R_TIMEOUT) return ESCALATE;
    if (r == at.R_OK) at.setEchoOff(true);
    return r == at.R_OK ? NEXT : RETRY;
  }
  return fam.phase(phase, r);
}

function bringingUp(): bool { return m <= M_INIT || m == M_PAUSE; }

/** Handles URCs between steps (never from inside the reader). */
function urcs(): void {
  const u = at.urc;
  if (u == 0) return;
  if ((u & at.U_POWER_DOWN) != 0) {
    at.clearUrc(-1);
    say(ascii("module powered down, urc "), u);
    alive = false; // off now: the pulse switches it on
    powerCycle();
    return;
  }
  // boot lines are expected in bring-up; once ATE0 is acknowledged, the
  // first line of a boot (RDY, ready) or the echo back means the module
  // restarted under us: start again from AT now, not after the command in
  // flight times out (the +CFUN: 1 / +CPIN: READY after a boot may trail ATE0)
  if ((u & at.U_REBOOT) != 0 && bringingUp() && !(at.echoOff && (u & at.U_BOOT) != 0)) at.clearUrc(at.U_REBOOT | at.U_BOOT);
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
      startInit(fam.reattach());
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
  if (probing) return 50;
  if (m == M_POWER_LOW || m == M_BOOT || m == M_PAUSE) return max(<i32>(until - millis()), 0);
  if (m == M_OPEN) {
    if (ring.txUsed() > 0 || closeWanted || (at.urc & at.U_DATA) != 0) return 0;
    return max(<i32>(lastPoll + C.AT_POLL_MS - millis()), 0);
  }
  // a command is in flight: the UART wakes the host; else its deadline
  return 50;
}

function step(now: u32): void {
  if (probing) {
    const r = at.state();
    if (r == at.R_WAIT) return;
    at.done();
    probing = false;
    // any answer: the module is there (the command was lost or slow)
    if (r != at.R_TIMEOUT) at.clearTimeouts();
  }
  // a module that ignores three commands in a row is hung: power cycle
  // (not while probing with AT at bring-up: that phase has its own budget of
  // ~5 s, for a module still booting or syncing its autobaud)
  const atBringUp = m <= M_PAUSE && phase == PH_PROBE && bringingUp();
  if (at.timeouts >= 3 && m > M_BOOT && at.idle() && !atBringUp) { powerCycle(); return; }
  // after a command went unanswered, AT asks whether the module is still
  // there before anything else is sent: a hung one costs two 1 s probes,
  // not two more commands' time limits (up to 20 s for an ESP's CIPSTART)
  if (at.timeouts > 0 && m > M_BOOT && at.idle() && !atBringUp) {
    at.command(ascii("AT"), 1000);
    probing = true;
    return;
  }
  if (m == M_POWER_LOW) {
    if (<i32>(now - until) < 0) return;
    gpioWrite(fam.powerPin(), 1);
    m = M_BOOT;
    until = now + fam.bootMs();
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
      if (phase == PH_PROBE) {
        alive = true;
        offFirst = false;
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
      // (after a pulse that switched a hung module off: two probes, in case
      // it was off and is booting, then the pulse that switches it on)
      if (++retries > (phase == PH_PROBE ? (offFirst ? 1 : scan == 0 ? 8 : 0) : 60)) {
        if (phase != PH_PROBE || offFirst || !nextRate()) { powerCycle(); return; }
        retries = 0;
      }
      m = M_PAUSE;
      until = now + (phase == PH_PROBE ? 200 : 1000);
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
    if (sendFails >= 2) { sendFails = 0; startInit(fam.reattach()); }
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
  fam.open(host, hostLen, port);
  m = M_CONNECT;
  until = millis() + fam.openMs();
}

function connectStep(r: i32, now: u32): void {
  // a refused handshake: U_TLS_FAIL from the driver, or ERROR where it says so
  const tls = (modemCfg.tls & 1) != 0 && ((at.urc & at.U_TLS_FAIL) != 0 || (fam.openErrorIsTls() && r == at.R_ERROR));
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
    startInit(fam.reattach());
  } else {
    m = M_READY;
  }
}

function openStep(now: u32): void {
  // in the pull modes (SIM CIPRXGET, ESP passive) what the module still holds
  // is read first: a broker's last words (a refusing CONNACK) come just before its close
  if (peerClosed && (hole || ring.rxUsed() == 0 && (!fam.pulls() || (at.urc & at.U_DATA) == 0))) {
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
  const n = peerClosed ? 0 : min(ring.txUsed(), fam.sendMax());
  if (n > 0) {
    sending = n;
    sentRaw = 0;
    fam.send(n);
    m = M_SEND;
    return;
  }
  if (!wantOpen || closeWanted) { closeSocket(); return; }
  // pushed data (+IPD) waits for a final OK (or the next +IPD): ask for one
  // (it comes after whatever the module has queued to push: seconds of it)
  if (ring.rxPend > 0) {
    at.command(ascii("AT"), 5000);
    m = M_READ;
    return;
  }
  const room = ring.rxFree();
  // a data notification from a module taken for one that pushes
  if ((at.urc & at.U_DATA) != 0 && !fam.pulls()) fam.pushedSeen();
  if (room >= 64 && fam.pulls()) {
    if ((at.urc & at.U_DATA) != 0) {
      at.clearUrc(at.U_DATA);
      fam.read(min(room, fam.readMax()));
      m = M_READ;
      return;
    }
    if (now - lastPoll >= C.AT_POLL_MS) {
      // a notification may have been lost: ask
      lastPoll = now;
      fam.poll();
      m = M_POLL;
    }
  }
}

function sendStep(r: i32): void {
  if (r == at.R_PROMPT) {
    sentRaw += at.writeRaw(ring.txData() + sentRaw, sending - sentRaw);
    if (sentRaw == sending) at.awaitSendResult(fam.sendResultMs());
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
    if (fam.polled() > 0) at.setUrc(at.U_DATA);
  } else if (!wasPoll && r == at.R_OK) {
    // more waiting: read again; a read that does not tell: poll on the next tick
    if (!fam.readTellsLeft()) lastPoll = 0;
    else if (at.rxLeft > 0) at.setUrc(at.U_DATA);
  }
}

function closeSocket(): void {
  fam.close();
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
