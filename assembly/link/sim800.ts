// SIM800 / SIM900 driver: bring-up, one TCP socket (id 0) in multi-link
// mode, quick send (CIPQSEND) and manual receive (CIPRXGET), per the
// SIMCom AT manuals. The common state machine, and the socket commands
// both families share (CIPSTART, CIPSEND, CIPCLOSE), are in modem.ts.
import { ascii } from "../mem/ascii";
import * as at from "./at";
import { R_OK, R_ERROR, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, NO_TLS, SENT, SKIP, DONE } from "./modemcfg";
import * as modemCfg from "./modemcfg";

/** Sends the bring-up command of this phase (SENT), or says SKIP / DONE. */
export function simInit(phase: i32): i32 {
  switch (phase) {
    case 0: at.begin(ascii("AT")); at.send(500, 0, false, false); return SENT;
    case 1: at.begin(ascii("ATE0")); at.send(1000, 0, false, false); return SENT;
    case 2: at.begin(ascii("AT+CMEE=2")); at.send(1000, 0, false, false); return SENT;
    case 3: at.begin(ascii("AT+CPIN?")); at.send(5000, ascii("+CPIN:"), false, false); return SENT;
    case 4: at.begin(ascii("AT+CREG?")); at.send(2000, ascii("+CREG:"), false, false); return SENT;
    case 5: at.begin(ascii("AT+CIPSHUT")); at.send(65000, 0, false, false); return SENT;
    case 6: at.begin(ascii("AT+CGATT=1")); at.send(75000, 0, false, false); return SENT;
    case 7: at.begin(ascii("AT+CIPMUX=1")); at.send(1000, 0, false, false); return SENT;
    case 8: at.begin(ascii("AT+CIPQSEND=1")); at.send(1000, 0, false, false); return SENT;
    case 9: at.begin(ascii("AT+CIPRXGET=1")); at.send(1000, 0, false, false); return SENT;
    // TLS (SIM800 only; SIM900 is refused at config): no certificate check
    // only when configured insecure; CIPSSL stays set until power-off
    case 10:
      if ((modemCfg.tls & 3) != 3) return SKIP;
      at.begin(ascii("AT+SSLOPT=0,1")); at.send(1000, 0, false, false); return SENT;
    case 11:
      if ((modemCfg.tls & 1) == 0) return SKIP;
      at.begin(ascii("AT+CIPSSL=1")); at.send(1000, 0, false, false); return SENT;
    case 12:
      at.begin(ascii("AT+CSTT="));
      at.addQuoted(modemCfg.apn, modemCfg.apnLen, false);
      at.add(ascii(","));
      at.addQuoted(modemCfg.apnUser, modemCfg.apnUserLen, false);
      at.add(ascii(","));
      at.addQuoted(modemCfg.apnPass, modemCfg.apnPassLen, true);
      at.send(1000, 0, false, false);
      return SENT;
    case 13: at.begin(ascii("AT+CIICR")); at.send(85000, 0, false, false); return SENT;
    case 14: at.begin(ascii("AT+CIFSR")); at.send(10000, 0, true, false); return SENT;
  }
  return DONE;
}

/** What follows the result of a bring-up phase. */
export function simInitResult(phase: i32, r: i32): i32 {
  if (r == R_TIMEOUT) return phase == 0 ? RETRY : ESCALATE;
  if (phase == 0) return r == R_OK ? NEXT : RETRY;
  if (phase == 1) { if (r == R_OK) at.setEchoOff(true); return r == R_OK ? NEXT : RETRY; }
  if (phase == 2) return NEXT; // extended errors are a nicety
  if (phase == 3) {
    // "+CPIN: READY"; SIM PIN / NOT READY: wait
    return r == R_OK && at.infoLen >= 12 && load<u8>(at.info + 7) == 0x52 ? NEXT : RETRY;
  }
  if (phase == 4) {
    const stat = at.field(at.info, at.infoLen, 1);
    return r == R_OK && (stat == 1 || stat == 5) ? NEXT : RETRY;
  }
  if (phase == 5 || phase == 10) return NEXT; // SHUT OK, or ERROR when nothing was up; SSLOPT a nicety
  if (phase == 11 && r != R_OK) return NO_TLS; // firmware without SSL
  return r == R_OK ? NEXT : ESCALATE;
}

/** The first phase to redo after the bearer was lost (CIPSHUT onwards). */
export const SIM_REATTACH_PHASE = 5;

/** Pulls up to len bytes (the free room of the receive ring). */
export function simRead(len: i32): void {
  at.begin(ascii("AT+CIPRXGET=2,0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

/** Asks how much is waiting, in case a +CIPRXGET: 1 was lost. */
export function simPoll(): void {
  at.begin(ascii("AT+CIPRXGET=4,0"));
  // "+CIPRXGET: 4,0,n" or, as the URCs too, without the space (modes 1 and 2
  // are taken by the reader before an answer is looked for)
  at.send(2000, ascii("+CIPRXGET:"), false, false);
}

/** Bytes waiting, from the answer to simPoll(). */
export function simPollResult(): i32 { return at.field(at.info, at.infoLen, 2); }

export { R_ERROR };
