// Quectel BG96 (LTE-M / NB-IoT) driver (the interface is in driver.ts):
// QICSGP + QIACT bring the PDP context up; link 0 opens with QIOPEN (TCP,
// buffer access) or QSSLOPEN (TLS, SSL context 1); QISEND / QSSLSEND
// answer SEND OK; data waits in the module after +QIURC / +QSSLURC "recv"
// until QIRD / QSSLRECV. Sources and guesses: docs/modems/bg96.md.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as at from "./at";
import { R_NONE, R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, SENT, SKIP, DONE, FIRST_PHASE, L_SKIP, L_OK } from "./driver";
import * as modemCfg from "./modemcfg";

export const CRLF = false;
export const POWER_PIN = C.PIN_PWRKEY;
/** ≥ 650 ms switches it off, ≥ 500 ms on (hardware design) */
export const POWER_LOW_MS = C.PWRKEY_MS;
export const BOOT_MS: u32 = 3000;
export const SEND_MAX = 1460;
export const SEND_RESULT_MS: u32 = 10000;
export const OPEN_CMD_MS: u32 = 2000;
export const OPEN_MS: u32 = 150000;
export const OPEN_ERROR_IS_TLS = false; // +QSSLOPEN: 0,err (U_TLS_FAIL)
export const READ_MAX = 1460;
/** +QIRD: n: read until a count of 0 */
export const READ_TELLS_LEFT = true;

export const PH_CMEE = FIRST_PHASE;
export const PH_CPIN = PH_CMEE + 1;
export const PH_CEREG = PH_CMEE + 2;
export const PH_CSGP = PH_CMEE + 3;
export const PH_DEACT = PH_CMEE + 4;
export const PH_ACT = PH_CMEE + 5;
export const PH_SECLEVEL = PH_CMEE + 6;
export const PH_SSLVER = PH_CMEE + 7;
/** The context was lost: from QIDEACT onwards. */
export const REATTACH = PH_DEACT;

function tls(): bool { return (modemCfg.tls & 1) != 0; }
function cmd(s: usize, ms: u32): i32 { at.begin(s); at.send(ms, 0, false, false); return SENT; }

export function phase(p: i32, r: i32): i32 {
  const ok = r == R_OK;
  const go = ok ? NEXT : ESCALATE;
  switch (p) {
    case PH_CMEE:
      if (r == R_NONE) return cmd(ascii("AT+CMEE=2"), 1000);
      return r == R_TIMEOUT ? ESCALATE : NEXT;
    case PH_CPIN:
      if (r == R_NONE) { at.begin(ascii("AT+CPIN?")); at.send(5000, ascii("+CPIN:"), false, false); return SENT; }
      if (r == R_TIMEOUT) return ESCALATE;
      return ok && at.infoLen >= 12 && load<u8>(at.info + 7) == 0x52 ? NEXT : RETRY;
    case PH_CEREG: {
      if (r == R_NONE) { at.begin(ascii("AT+CEREG?")); at.send(2000, ascii("+CEREG:"), false, false); return SENT; }
      if (r == R_TIMEOUT) return ESCALATE;
      const stat = at.field(at.info, at.infoLen, 1);
      return ok && (stat == 1 || stat == 5) ? NEXT : RETRY;
    }
    case PH_CSGP:
      if (r == R_NONE) {
        at.begin(ascii("AT+QICSGP=1,1,"));
        at.addQuoted(modemCfg.apn, modemCfg.apnLen, false);
        at.add(ascii(","));
        at.addQuoted(modemCfg.apnUser, modemCfg.apnUserLen, false);
        at.add(ascii(","));
        at.addQuoted(modemCfg.apnPass, modemCfg.apnPassLen, true);
        at.add(ascii(",1"));
        at.send(1000, 0, false, false);
        return SENT;
      }
      return go;
    case PH_DEACT:
      if (r == R_NONE) return cmd(ascii("AT+QIDEACT=1"), 40000);
      return r == R_TIMEOUT ? ESCALATE : NEXT;
    case PH_ACT:
      if (r == R_NONE) return cmd(ascii("AT+QIACT=1"), 150000);
      return go;
    case PH_SECLEVEL:
      if (r == R_NONE) {
        if (!tls()) return SKIP;
        return cmd((modemCfg.tls & 2) != 0 ? ascii("AT+QSSLCFG=\"seclevel\",1,0") : ascii("AT+QSSLCFG=\"seclevel\",1,1"), 1000);
      }
      return go;
    case PH_SSLVER:
      if (r == R_NONE) return tls() ? cmd(ascii("AT+QSSLCFG=\"sslversion\",1,4"), 1000) : SKIP;
      return go;
  }
  return DONE;
}

// ---- link 0 ----

/** OK, then +QIOPEN / +QSSLOPEN: 0,err */
export function open(host: usize, hostLen: i32, port: i32): void {
  at.begin(tls() ? ascii("AT+QSSLOPEN=1,1,0,") : ascii("AT+QIOPEN=1,0,\"TCP\","));
  at.addQuoted(host, hostLen, false);
  at.add(ascii(","));
  at.addInt(port);
  at.add(tls() ? ascii(",0") : ascii(",0,0"));
  at.send(OPEN_CMD_MS, 0, false, false);
}

export function read(len: i32): void {
  at.countedRead(0, 0);
  at.begin(tls() ? ascii("AT+QSSLRECV=0,") : ascii("AT+QIRD=0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

/** +QIRD: total,read,unread */
export function poll(): void {
  at.begin(tls() ? ascii("AT+QSSLRECV=0,0") : ascii("AT+QIRD=0,0"));
  at.send(2000, tls() ? ascii("+QSSLRECV:") : ascii("+QIRD:"), false, false);
}

export function polled(): i32 { return at.field(at.info, at.infoLen, 2); }
export function pulls(): bool { return true; }
export function pushedSeen(): void {}

export function send(n: i32): void {
  at.begin(tls() ? ascii("AT+QSSLSEND=0,") : ascii("AT+QISEND=0,"));
  at.addInt(n);
  at.send(5000, 0, false, true);
}

export function close(): void {
  at.begin(tls() ? ascii("AT+QSSLCLOSE=0") : ascii("AT+QICLOSE=0"));
  at.send(10000, 0, false, false);
}

// ---- recognisers ----

export function line(): i32 {
  // +QIRD: n / +QSSLRECV: n: n bytes follow (with commas: the answer to poll())
  if ((at.starts(ascii("+QIRD: ")) || at.starts(ascii("+QSSLRECV: "))) && at.lineField(1) < 0) {
    const n = at.lineField(0);
    at.countedRead(n, n);
    return L_SKIP;
  }
  if (at.starts(ascii("+QIOPEN: ")) || at.starts(ascii("+QSSLOPEN: "))) {
    if (at.lineField(0) != 0) return L_SKIP; // another link's
    if (at.lineField(1) == 0) return at.U_CONNECT_OK;
    // the code does not tell TCP from TLS failures: over TLS, said as TLS
    return at.U_CONNECT_FAIL | (at.starts(ascii("+QSSLOPEN")) ? at.U_TLS_FAIL : 0);
  }
  // the result of QISEND / QSSLSEND (the engine takes it only for a send)
  if (at.starts(ascii("SEND OK"))) return at.U_SEND_OK;
  if (at.starts(ascii("SEND FAIL"))) return at.U_SEND_FAIL;
  if (at.starts(ascii("+QIURC: \"recv\",0")) || at.starts(ascii("+QSSLURC: \"recv\",0"))) return at.U_DATA;
  if (at.starts(ascii("+QIURC: \"closed\",0")) || at.starts(ascii("+QSSLURC: \"closed\",0"))) return at.U_CLOSED;
  if (at.starts(ascii("+QIURC: \"pdpdeact\""))) return at.U_PDP_DEACT;
  if (at.starts(ascii("RDY"))) return at.U_REBOOT | at.U_BOOT; // the first line of a boot
  if (at.starts(ascii("+CFUN: 1"))) return at.U_REBOOT;
  if (at.starts(ascii("POWERED DOWN"))) return at.U_POWER_DOWN | L_OK; // also the answer to QPOWD
  if (at.starts(ascii("+QIURC")) || at.starts(ascii("+QSSLURC")) || at.starts(ascii("+QIND")) || at.starts(ascii("+QUSIM")) ||
      at.starts(ascii("APP RDY")) || at.starts(ascii("RING")) || at.starts(ascii("+CMTI")) || at.starts(ascii("+CTZE"))) return L_SKIP;
  if (!at.waiting() && at.starts(ascii("+CPIN: READY"))) return at.U_REBOOT;
  return 0;
}

export function header(b: u8): bool { return false; }
