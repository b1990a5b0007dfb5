// SIMCom SIM7600 (LTE Cat-1) driver: its own TCP/IP commands. NETOPEN opens
// the network, CIPOPEN link 0, CIPSEND / CIPRXGET / CIPCLOSE as on the
// SIM800 in multi-link mode (the same answers: sim800.ts's read and poll
// serve both); TLS through the CCH service (CCHSTART, CCHOPEN, CCHSEND,
// manual receive with CCHRECV). Registration: CEREG (LTE) or CGREG, asked
// in turn. Sources: docs/modems/sim7600.md. The common state machine is in
// modem.ts.
import { ascii } from "../mem/ascii";
import * as at from "./at";
import { R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, SENT, SKIP, DONE } from "./modemcfg";
import * as modemCfg from "./modemcfg";

/** PWRKEY low long enough to switch a hung SIM7600 off (≥ 2.5 s, hardware
 * design); the next cycle switches it on (≥ 0.5 s). */
export const S76_PWRKEY_MS: u32 = 3000;

/** CEREG? and CGREG? asked in turn while not registered. */
let askGprs: bool = false;

function tls(): bool { return (modemCfg.tls & 1) != 0; }

export function s76Init(phase: i32): i32 {
  switch (phase) {
    case 0: at.begin(ascii("AT")); at.send(500, 0, false, false); return SENT;
    case 1: at.begin(ascii("ATE0")); at.send(1000, 0, false, false); return SENT;
    case 2: at.begin(ascii("AT+CMEE=2")); at.send(1000, 0, false, false); return SENT;
    case 3: at.begin(ascii("AT+CPIN?")); at.send(5000, ascii("+CPIN:"), false, false); return SENT;
    case 4:
      askGprs = !askGprs;
      at.begin(askGprs ? ascii("AT+CEREG?") : ascii("AT+CGREG?"));
      at.send(2000, askGprs ? ascii("+CEREG:") : ascii("+CGREG:"), false, false);
      return SENT;
    case 5:
      at.begin(ascii("AT+CGDCONT=1,\"IP\","));
      at.addQuoted(modemCfg.apn, modemCfg.apnLen, false);
      at.send(1000, 0, false, false);
      return SENT;
    // from here again after the network was lost: close what is left
    case 6: at.begin(ascii("AT+NETCLOSE")); at.send(5000, 0, false, false); return SENT;
    case 7: at.begin(ascii("AT+CIPRXGET=1")); at.send(1000, 0, false, false); return SENT;
    case 8: at.begin(ascii("AT+NETOPEN")); at.send(2000, 0, false, false); at.finalOn(ascii("+NETOPEN:"), 120000); return SENT;
    // TLS: verification off only when configured insecure; manual receive
    case 9:
      if (!tls()) return SKIP;
      at.begin((modemCfg.tls & 2) != 0 ? ascii("AT+CSSLCFG=\"authmode\",0,0") : ascii("AT+CSSLCFG=\"authmode\",0,1"));
      at.send(1000, 0, false, false);
      return SENT;
    case 10:
      if (!tls()) return SKIP;
      at.begin(ascii("AT+CCHSET=0,1")); at.send(1000, 0, false, false); return SENT;
    case 11:
      if (!tls()) return SKIP;
      at.begin(ascii("AT+CCHSTART")); at.send(2000, 0, false, false); at.finalOn(ascii("+CCHSTART:"), 12000); return SENT;
    case 12:
      if (!tls()) return SKIP;
      at.begin(ascii("AT+CCHSSLCFG=0,0")); at.send(1000, 0, false, false); return SENT;
  }
  return DONE;
}

export function s76InitResult(phase: i32, r: i32): i32 {
  if (r == R_TIMEOUT) return phase == 0 ? RETRY : ESCALATE;
  if (phase == 0) return r == R_OK ? NEXT : RETRY;
  if (phase == 1) { if (r == R_OK) at.setEchoOff(true); return r == R_OK ? NEXT : RETRY; }
  if (phase == 2) return NEXT;
  if (phase == 3) return r == R_OK && at.infoLen >= 12 && load<u8>(at.info + 7) == 0x52 ? NEXT : RETRY;
  if (phase == 4) {
    const stat = at.field(at.info, at.infoLen, 1);
    return r == R_OK && (stat == 1 || stat == 5) ? NEXT : RETRY;
  }
  if (phase == 6) return NEXT; // +NETCLOSE: 0 later, or ERROR when it was closed
  // +NETOPEN: 0 / +CCHSTART: 0 (the final line); else the network refused
  if (phase == 8 || phase == 11) return r == R_OK && at.field(at.info, at.infoLen, 0) == 0 ? NEXT : ESCALATE;
  return r == R_OK ? NEXT : ESCALATE;
}

/** The first phase to redo after the network was lost. */
export const S76_REATTACH_PHASE = 6;

/** Opens link 0 (TCP) or CCH session 0 (TLS): OK, then +CIPOPEN / +CCHOPEN: 0,err. */
export function s76Connect(host: usize, hostLen: i32, port: i32): void {
  at.begin(tls() ? ascii("AT+CCHOPEN=0,") : ascii("AT+CIPOPEN=0,\"TCP\","));
  at.addQuoted(host, hostLen, false);
  at.add(ascii(","));
  at.addInt(port);
  if (tls()) at.add(ascii(",2"));
  at.send(2000, 0, false, false);
}

export function s76Send(n: i32): void {
  at.begin(tls() ? ascii("AT+CCHSEND=0,") : ascii("AT+CIPSEND=0,"));
  at.addInt(n);
  at.send(5000, 0, false, true);
}

/** Pulls up to len bytes: TCP like the SIM800 (CIPRXGET=2,0,len), TLS with CCHRECV. */
export function s76Read(len: i32): void {
  at.begin(tls() ? ascii("AT+CCHRECV=0,") : ascii("AT+CIPRXGET=2,0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

export function s76Poll(): void {
  if (tls()) { at.begin(ascii("AT+CCHRECV?")); at.send(2000, ascii("+CCHRECV: LEN"), false, false); }
  else { at.begin(ascii("AT+CIPRXGET=4,0")); at.send(2000, ascii("+CIPRXGET:"), false, false); }
}

/** Bytes waiting, from the answer to s76Poll(). */
export function s76PollResult(): i32 { return at.field(at.info, at.infoLen, tls() ? 1 : 2); }

export function s76Close(): void {
  at.begin(tls() ? ascii("AT+CCHCLOSE=0") : ascii("AT+CIPCLOSE=0"));
  at.send(5000, 0, false, false);
}
