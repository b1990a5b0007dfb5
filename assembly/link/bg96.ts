// Quectel BG96 (LTE-M / NB-IoT) driver: QICSGP + QIACT bring the PDP
// context up; link 0 opens with QIOPEN (TCP, buffer access) or QSSLOPEN
// (TLS, SSL context 1); QISEND / QSSLSEND answer SEND OK; data waits in
// the module after +QIURC / +QSSLURC "recv" until QIRD / QSSLRECV. Sources:
// docs/modems/bg96.md. The common state machine is in modem.ts.
import { ascii } from "../mem/ascii";
import * as at from "./at";
import { R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, SENT, SKIP, DONE } from "./modemcfg";
import * as modemCfg from "./modemcfg";

function tls(): bool { return (modemCfg.tls & 1) != 0; }

export function bg96Init(phase: i32): i32 {
  switch (phase) {
    case 0: at.begin(ascii("AT")); at.send(500, 0, false, false); return SENT;
    case 1: at.begin(ascii("ATE0")); at.send(1000, 0, false, false); return SENT;
    case 2: at.begin(ascii("AT+CMEE=2")); at.send(1000, 0, false, false); return SENT;
    case 3: at.begin(ascii("AT+CPIN?")); at.send(5000, ascii("+CPIN:"), false, false); return SENT;
    case 4: at.begin(ascii("AT+CEREG?")); at.send(2000, ascii("+CEREG:"), false, false); return SENT;
    case 5:
      at.begin(ascii("AT+QICSGP=1,1,"));
      at.addQuoted(modemCfg.apn, modemCfg.apnLen, false);
      at.add(ascii(","));
      at.addQuoted(modemCfg.apnUser, modemCfg.apnUserLen, false);
      at.add(ascii(","));
      at.addQuoted(modemCfg.apnPass, modemCfg.apnPassLen, true);
      at.add(ascii(",1"));
      at.send(1000, 0, false, false);
      return SENT;
    // from here again after the context was lost
    case 6: at.begin(ascii("AT+QIDEACT=1")); at.send(40000, 0, false, false); return SENT;
    case 7: at.begin(ascii("AT+QIACT=1")); at.send(150000, 0, false, false); return SENT;
    // TLS: SSL context 1, verification off only when configured insecure
    case 8:
      if (!tls()) return SKIP;
      at.begin((modemCfg.tls & 2) != 0 ? ascii("AT+QSSLCFG=\"seclevel\",1,0") : ascii("AT+QSSLCFG=\"seclevel\",1,1"));
      at.send(1000, 0, false, false);
      return SENT;
    case 9:
      if (!tls()) return SKIP;
      at.begin(ascii("AT+QSSLCFG=\"sslversion\",1,4")); at.send(1000, 0, false, false); return SENT;
  }
  return DONE;
}

export function bg96InitResult(phase: i32, r: i32): i32 {
  if (r == R_TIMEOUT) return phase == 0 ? RETRY : ESCALATE;
  if (phase == 0) return r == R_OK ? NEXT : RETRY;
  if (phase == 1) { if (r == R_OK) at.setEchoOff(true); return r == R_OK ? NEXT : RETRY; }
  if (phase == 2 || phase == 6) return NEXT; // extended errors a nicety; QIDEACT of nothing
  if (phase == 3) return r == R_OK && at.infoLen >= 12 && load<u8>(at.info + 7) == 0x52 ? NEXT : RETRY;
  if (phase == 4) {
    const stat = at.field(at.info, at.infoLen, 1);
    return r == R_OK && (stat == 1 || stat == 5) ? NEXT : RETRY;
  }
  return r == R_OK ? NEXT : ESCALATE;
}

export const BG96_REATTACH_PHASE = 6;

/** OK, then +QIOPEN / +QSSLOPEN: 0,err. */
export function bg96Connect(host: usize, hostLen: i32, port: i32): void {
  at.begin(tls() ? ascii("AT+QSSLOPEN=1,1,0,") : ascii("AT+QIOPEN=1,0,\"TCP\","));
  at.addQuoted(host, hostLen, false);
  at.add(ascii(","));
  at.addInt(port);
  at.add(tls() ? ascii(",0") : ascii(",0,0"));
  at.send(2000, 0, false, false);
}

export function bg96Send(n: i32): void {
  at.begin(tls() ? ascii("AT+QSSLSEND=0,") : ascii("AT+QISEND=0,"));
  at.addInt(n);
  at.send(5000, 0, false, true);
}

/** +QIRD: n, then n bytes, OK (n = 0: nothing left). */
export function bg96Read(len: i32): void {
  at.begin(tls() ? ascii("AT+QSSLRECV=0,") : ascii("AT+QIRD=0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

/** +QIRD: total,read,unread */
export function bg96Poll(): void {
  at.begin(tls() ? ascii("AT+QSSLRECV=0,0") : ascii("AT+QIRD=0,0"));
  at.send(2000, tls() ? ascii("+QSSLRECV:") : ascii("+QIRD:"), false, false);
}

export function bg96PollResult(): i32 { return at.field(at.info, at.infoLen, 2); }

export function bg96Close(): void {
  at.begin(tls() ? ascii("AT+QSSLCLOSE=0") : ascii("AT+QICLOSE=0"));
  at.send(10000, 0, false, false);
}
