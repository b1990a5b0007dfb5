// SIM800 / SIM900 driver (the interface is in driver.ts): bring-up, one TCP
// socket (id 0) in multi-link mode, quick send (CIPQSEND) and manual
// receive (CIPRXGET), per the SIMCom AT manuals.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as at from "./at";
import { R_NONE, R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, NO_TLS, SENT, SKIP, DONE, FIRST_PHASE, L_SKIP, L_OK } from "./driver";
import * as modemCfg from "./modemcfg";
import { cipStart } from "./cip";
export { send, close } from "./cip";

export const CRLF = false; // a LF after CIPSEND's CR could be taken for data
export const POWER_PIN = C.PIN_PWRKEY; // a long pulse toggles power
export const POWER_LOW_MS = C.PWRKEY_MS;
export const BOOT_MS: u32 = 3000;
export const SEND_MAX = 1460;
export const SEND_RESULT_MS: u32 = 10000;
export const OPEN_CMD_MS: u32 = 2000;
export const OPEN_MS: u32 = 75000;
export const OPEN_ERROR_IS_TLS = false; // a refused handshake ends CIPSTART with CLOSE OK
export const READ_MAX = 1460;
export const READ_TELLS_LEFT = true; // +CIPRXGET: 2,0,n,left

// ---- bring-up: the phase table ----
export const PH_CMEE = FIRST_PHASE;
export const PH_CPIN = PH_CMEE + 1;
export const PH_CREG = PH_CMEE + 2;
export const PH_SHUT = PH_CMEE + 3;
export const PH_CGATT = PH_CMEE + 4;
export const PH_MUX = PH_CMEE + 5;
export const PH_QSEND = PH_CMEE + 6;
export const PH_RXGET = PH_CMEE + 7;
export const PH_SSLOPT = PH_CMEE + 8;
export const PH_SSL = PH_CMEE + 9;
export const PH_CSTT = PH_CMEE + 10;
export const PH_CIICR = PH_CMEE + 11;
export const PH_CIFSR = PH_CMEE + 12;
/** The bearer was lost: from CIPSHUT onwards. */
export const REATTACH = PH_SHUT;

function cmd(s: usize, ms: u32): i32 { at.command(s, ms); return SENT; }

/** Sends a phase's command (r == R_NONE) or says what its answer r means. */
export function phase(p: i32, r: i32): i32 {
  const ok = r == R_OK;
  const go = ok ? NEXT : ESCALATE; // the usual answer
  switch (p) {
    case PH_CMEE:
      if (r == R_NONE) return cmd(ascii("AT+CMEE=2"), 1000);
      return r == R_TIMEOUT ? ESCALATE : NEXT; // extended errors are a nicety
    case PH_CPIN:
      if (r == R_NONE) { at.begin(ascii("AT+CPIN?")); at.send(5000, ascii("+CPIN:"), false, false); return SENT; }
      if (r == R_TIMEOUT) return ESCALATE;
      // "+CPIN: READY"; SIM PIN / NOT READY: wait
      return ok && at.infoLen >= 12 && load<u8>(at.info + 7) == 0x52 ? NEXT : RETRY;
    case PH_CREG: {
      if (r == R_NONE) { at.begin(ascii("AT+CREG?")); at.send(2000, ascii("+CREG:"), false, false); return SENT; }
      if (r == R_TIMEOUT) return ESCALATE;
      const stat = at.field(at.info, at.infoLen, 1);
      return ok && (stat == 1 || stat == 5) ? NEXT : RETRY;
    }
    case PH_SHUT:
      if (r == R_NONE) return cmd(ascii("AT+CIPSHUT"), 65000);
      return r == R_TIMEOUT ? ESCALATE : NEXT; // SHUT OK, or ERROR when nothing was up
    case PH_CGATT:
      if (r == R_NONE) return cmd(ascii("AT+CGATT=1"), 75000);
      return go;
    case PH_MUX:
      if (r == R_NONE) return cmd(ascii("AT+CIPMUX=1"), 1000);
      return go;
    case PH_QSEND:
      if (r == R_NONE) return cmd(ascii("AT+CIPQSEND=1"), 1000);
      return go;
    case PH_RXGET:
      if (r == R_NONE) return cmd(ascii("AT+CIPRXGET=1"), 1000);
      return go;
    // TLS (SIM800 only; SIM900 is refused at config): no certificate check
    // only when configured insecure; CIPSSL stays set until power-off
    case PH_SSLOPT:
      if (r == R_NONE) return (modemCfg.tls & 3) != 3 ? SKIP : cmd(ascii("AT+SSLOPT=0,1"), 1000);
      return r == R_TIMEOUT ? ESCALATE : NEXT; // a nicety
    case PH_SSL:
      if (r == R_NONE) return (modemCfg.tls & 1) == 0 ? SKIP : cmd(ascii("AT+CIPSSL=1"), 1000);
      return r == R_TIMEOUT ? ESCALATE : ok ? NEXT : NO_TLS; // firmware without SSL
    case PH_CSTT:
      if (r == R_NONE) {
        at.begin(ascii("AT+CSTT="));
        at.addQuoted(modemCfg.apn, modemCfg.apnLen, false);
        at.add(ascii(","));
        at.addQuoted(modemCfg.apnUser, modemCfg.apnUserLen, false);
        at.add(ascii(","));
        at.addQuoted(modemCfg.apnPass, modemCfg.apnPassLen, true);
        at.send(1000, 0, false, false);
        return SENT;
      }
      return go;
    case PH_CIICR:
      if (r == R_NONE) return cmd(ascii("AT+CIICR"), 85000);
      return go;
    case PH_CIFSR:
      if (r == R_NONE) { at.begin(ascii("AT+CIFSR")); at.send(10000, 0, true, false); return SENT; }
      return go;
  }
  return DONE;
}

// ---- link 0 ----

export function open(host: usize, hostLen: i32, port: i32): void {
  // TLS was switched on for every link at bring-up (CIPSSL=1)
  cipStart(ascii("AT+CIPSTART=0,\"TCP\","), host, hostLen, port, OPEN_CMD_MS);
}

/** Pulls up to len bytes (the free room of the receive ring). */
export function read(len: i32): void {
  at.begin(ascii("AT+CIPRXGET=2,0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

/** Asks how much is waiting, in case a +CIPRXGET: 1 was lost. */
export function poll(): void {
  at.begin(ascii("AT+CIPRXGET=4,0"));
  // "+CIPRXGET: 4,0,n" or, as the URCs too, without the space (modes 1 and 2
  // are taken by line() before an answer is looked for)
  at.send(2000, ascii("+CIPRXGET:"), false, false);
}

/** Bytes waiting, from the answer to poll(). */
export function polled(): i32 { return at.field(at.info, at.infoLen, 2); }

/** Always pulled (CIPRXGET=1). */
export function pulls(): bool { return true; }
export function pushedSeen(): void {}

// ---- recognisers ----

export function line(): i32 {
  if (at.starts(ascii("+CIPRXGET:"))) {
    const mode = at.lineField(0);
    // 2: a counted read announced on a line of its own: +CIPRXGET: 2,id,n,left
    if (mode == 2) { at.countedRead(at.lineField(2), at.lineField(3)); return L_SKIP; }
    // 1: data waiting on link id
    if (mode == 1) return at.lineField(1) <= 0 ? at.U_DATA : L_SKIP;
    return 0; // 4: the answer to poll()
  }
  if (at.ours(ascii("CLOSED"))) return at.U_CLOSED;
  if (at.ours(ascii("CONNECT OK")) || at.ours(ascii("ALREADY CONNECT"))) return at.U_CONNECT_OK;
  if (at.ours(ascii("CONNECT FAIL"))) return at.U_CONNECT_FAIL;
  if (at.ours(ascii("SEND OK")) || at.starts(ascii("DATA ACCEPT"))) return at.U_SEND_OK;
  if (at.ours(ascii("SEND FAIL"))) return at.U_SEND_FAIL;
  if (at.starts(ascii("+PDP: DEACT"))) return at.U_PDP_DEACT;
  // only what a restart prints: Call Ready / SMS Ready end the phonebook and
  // SMS set-up and may come seconds after registration (TinyGSM #537)
  if (at.starts(ascii("RDY"))) return at.U_REBOOT | at.U_BOOT;
  if (at.starts(ascii("+CFUN: 1"))) return at.U_REBOOT;
  if (at.starts(ascii("NORMAL POWER DOWN")) || at.starts(ascii("UNDER-VOLTAGE POWER")) || at.starts(ascii("OVER-VOLTAGE POWER"))) {
    return at.U_POWER_DOWN | L_OK; // also the answer to CPOWD
  }
  if (at.starts(ascii("UNDER-VOLTAGE WARN")) || at.starts(ascii("OVER-VOLTAGE WARN"))) {
    at.logLine(ascii("modem: voltage warning"));
    return L_SKIP;
  }
  // RING, +CMTI, *PSUTTZ, +CTZV, DST:, +CIEV, Call Ready, SMS Ready need no
  // entry: they match no answer the engine waits for (no information
  // prefix asked for, no digit to pass for CIFSR's bare IP), so they pass
  if (!at.waiting()) {
    // unasked: a failed SSL handshake closes the opening link; the SIM
    // started again: the module restarted (or lost its SIM)
    if (at.ours(ascii("CLOSE OK"))) return at.U_TLS_FAIL;
    if (at.starts(ascii("+CPIN: READY"))) return at.U_REBOOT;
    return 0;
  }
  if (at.starts(ascii("SHUT OK")) || at.ours(ascii("CLOSE OK"))) return L_OK;
  return 0;
}

/** None: with CIPRXGET=1 (bring-up insists) data never comes pushed
 * (+RECEIVE,id,len: / +IPD,len:); the reads announce theirs on a line. */
export function header(b: u8): bool { return false; }

