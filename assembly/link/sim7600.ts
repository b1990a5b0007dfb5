// SIMCom SIM7600 (LTE Cat-1) driver (the interface is in driver.ts): its own
// TCP/IP commands. NETOPEN opens the network, CIPOPEN link 0; CIPSEND,
// CIPRXGET and CIPCLOSE answer as on the SIM800 in multi-link mode. TLS
// goes through the CCH service (CCHSTART, CCHOPEN, CCHSEND, manual receive
// with CCHRECV). Registration: CEREG (LTE) and CGREG, asked in turn.
// Sources and guesses: docs/modems/sim7600.md.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as at from "./at";
import { R_NONE, R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, SENT, SKIP, DONE, FIRST_PHASE, L_SKIP, L_OK, L_ERROR, L_INFO } from "./driver";
import * as modemCfg from "./modemcfg";

export const CRLF = false;
export const POWER_PIN = C.PIN_PWRKEY;
/** ≥ 2.5 s switches a running SIM7600 off (hardware design); ≥ 0.5 s on. */
export const POWER_LOW_MS: u32 = 3000;
export const BOOT_MS: u32 = 3000;
export const SEND_MAX = 1460;
export const SEND_RESULT_MS: u32 = 10000;
export const OPEN_CMD_MS: u32 = 2000;
export const OPEN_MS: u32 = 120000;
export const OPEN_ERROR_IS_TLS = false; // +CCHOPEN: 0,15 says it (U_TLS_FAIL)
export const READ_MAX = 1460;
/** +CIPRXGET: 2,0,n,left; over TLS the count alone: read until 0 */
export const READ_TELLS_LEFT = true;

export const PH_CMEE = FIRST_PHASE;
export const PH_CPIN = PH_CMEE + 1;
export const PH_REG = PH_CMEE + 2;
export const PH_PDP = PH_CMEE + 3;
export const PH_NETCLOSE = PH_CMEE + 4;
export const PH_RXGET = PH_CMEE + 5;
export const PH_NETOPEN = PH_CMEE + 6;
export const PH_AUTH = PH_CMEE + 7;
export const PH_CCHSET = PH_CMEE + 8;
export const PH_CCHSTART = PH_CMEE + 9;
export const PH_CCHCFG = PH_CMEE + 10;
/** The network was lost: from NETCLOSE onwards. */
export const REATTACH = PH_NETCLOSE;

/** CEREG? and CGREG? asked in turn while not registered. */
let askGprs: bool = false;
/** NETOPEN / CCHSTART in flight: their OK is not final, their own line is.
 * Set by their phase() call only; a restart or power cycle resets the engine
 * (echo back on) with no answer to them, and the next phase() clears it. */
let final: usize = 0;

function tls(): bool { return (modemCfg.tls & 1) != 0; }
function cmd(s: usize, ms: u32): i32 { at.begin(s); at.send(ms, 0, false, false); return SENT; }

export function phase(p: i32, r: i32): i32 {
  const ok = r == R_OK;
  const go = ok ? NEXT : ESCALATE;
  final = 0;
  switch (p) {
    case PH_CMEE:
      if (r == R_NONE) return cmd(ascii("AT+CMEE=2"), 1000);
      return r == R_TIMEOUT ? ESCALATE : NEXT;
    case PH_CPIN:
      if (r == R_NONE) { at.begin(ascii("AT+CPIN?")); at.send(5000, ascii("+CPIN:"), false, false); return SENT; }
      if (r == R_TIMEOUT) return ESCALATE;
      return ok && at.infoLen >= 12 && load<u8>(at.info + 7) == 0x52 ? NEXT : RETRY;
    case PH_REG: {
      if (r == R_NONE) {
        askGprs = !askGprs;
        at.begin(askGprs ? ascii("AT+CEREG?") : ascii("AT+CGREG?"));
        at.send(2000, askGprs ? ascii("+CEREG:") : ascii("+CGREG:"), false, false);
        return SENT;
      }
      if (r == R_TIMEOUT) return ESCALATE;
      const stat = at.field(at.info, at.infoLen, 1);
      return ok && (stat == 1 || stat == 5) ? NEXT : RETRY;
    }
    case PH_PDP:
      if (r == R_NONE) {
        at.begin(ascii("AT+CGDCONT=1,\"IP\","));
        at.addQuoted(modemCfg.apn, modemCfg.apnLen, false);
        at.send(1000, 0, false, false);
        return SENT;
      }
      return go;
    case PH_NETCLOSE:
      if (r == R_NONE) return cmd(ascii("AT+NETCLOSE"), 5000);
      return r == R_TIMEOUT ? ESCALATE : NEXT; // ERROR when it was closed
    case PH_RXGET:
      if (r == R_NONE) return cmd(ascii("AT+CIPRXGET=1"), 1000);
      return go;
    case PH_NETOPEN:
      if (r == R_NONE) { final = ascii("+NETOPEN:"); return cmd(ascii("AT+NETOPEN"), 120000); }
      return go; // +NETOPEN: 0 (else L_ERROR)
    // TLS: verification off only when configured insecure; manual receive
    case PH_AUTH:
      if (r == R_NONE) {
        if (!tls()) return SKIP;
        return cmd((modemCfg.tls & 2) != 0 ? ascii("AT+CSSLCFG=\"authmode\",0,0") : ascii("AT+CSSLCFG=\"authmode\",0,1"), 1000);
      }
      return go;
    case PH_CCHSET:
      if (r == R_NONE) return tls() ? cmd(ascii("AT+CCHSET=0,1"), 1000) : SKIP;
      return go;
    case PH_CCHSTART:
      if (r == R_NONE) {
        if (!tls()) return SKIP;
        final = ascii("+CCHSTART:");
        return cmd(ascii("AT+CCHSTART"), 12000);
      }
      return r == R_TIMEOUT ? ESCALATE : NEXT; // ERROR: already started
    case PH_CCHCFG:
      if (r == R_NONE) return tls() ? cmd(ascii("AT+CCHSSLCFG=0,0"), 1000) : SKIP;
      return go;
  }
  return DONE;
}

// ---- link 0 ----

/** OK, then +CIPOPEN: 0,err / +CCHOPEN: 0,err */
export function open(host: usize, hostLen: i32, port: i32): void {
  at.begin(tls() ? ascii("AT+CCHOPEN=0,") : ascii("AT+CIPOPEN=0,\"TCP\","));
  at.addQuoted(host, hostLen, false);
  at.add(ascii(","));
  at.addInt(port);
  if (tls()) at.add(ascii(",2"));
  at.send(OPEN_CMD_MS, 0, false, false);
}

export function read(len: i32): void {
  at.countedRead(0, 0); // nothing left unless the answer says so
  at.begin(tls() ? ascii("AT+CCHRECV=0,") : ascii("AT+CIPRXGET=2,0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

export function poll(): void {
  if (tls()) { at.begin(ascii("AT+CCHRECV?")); at.send(2000, ascii("+CCHRECV: LEN"), false, false); }
  else { at.begin(ascii("AT+CIPRXGET=4,0")); at.send(2000, ascii("+CIPRXGET:"), false, false); }
}

export function polled(): i32 { return at.field(at.info, at.infoLen, tls() ? 1 : 2); }
export function pulls(): bool { return true; }
export function pushedSeen(): void {}

/** '>' (no space), the data, OK; +CIPSEND: 0,n,n after it is not waited for. */
export function send(n: i32): void {
  at.begin(tls() ? ascii("AT+CCHSEND=0,") : ascii("AT+CIPSEND=0,"));
  at.addInt(n);
  at.send(5000, 0, false, true);
}

export function close(): void {
  at.begin(tls() ? ascii("AT+CCHCLOSE=0") : ascii("AT+CIPCLOSE=0"));
  at.send(5000, 0, false, false);
}

// ---- recognisers ----

export function line(): i32 {
  // echo on again: the engine was reset since (a restart), the command in
  // flight is an AT probe or ATE0, whose OK is final
  if (at.echoOff && final != 0 && at.waiting()) {
    if (at.starts(ascii("OK"))) return L_SKIP; // not final yet
    if (at.starts(final)) return L_INFO | (at.lineField(0) == 0 ? L_OK : L_ERROR);
  }
  if (at.starts(ascii("+CIPRXGET:"))) {
    const mode = at.lineField(0);
    if (mode == 2) { at.countedRead(at.lineField(2), at.lineField(3)); return L_SKIP; }
    if (mode == 1) return at.lineField(1) <= 0 ? at.U_DATA : L_SKIP;
    return 0; // 4: the answer to poll()
  }
  // +CCHRECV: DATA,0,n then n bytes: read until a count of 0
  if (at.starts(ascii("+CCHRECV: DATA"))) { const n = at.lineField(2); at.countedRead(n, n); return L_SKIP; }
  if (at.starts(ascii("+CIPOPEN: ")) || at.starts(ascii("+CCHOPEN: "))) {
    if (at.lineField(0) != 0) return L_SKIP; // another link's
    const e = at.lineField(1);
    if (e == 0) return at.U_CONNECT_OK;
    return at.U_CONNECT_FAIL | (at.starts(ascii("+CCHOPEN")) && e == 15 ? at.U_TLS_FAIL : 0);
  }
  if (at.starts(ascii("+IPCLOSE: 0")) || at.starts(ascii("+CCH_PEER_CLOSED: 0"))) return at.U_CLOSED;
  if (at.starts(ascii("+CCHEVENT: 0"))) return at.U_DATA;
  if (at.starts(ascii("+CIPEVENT:"))) return at.U_PDP_DEACT;
  if (at.starts(ascii("RDY"))) return at.U_REBOOT | at.U_BOOT; // the first line of a boot
  if (at.starts(ascii("SMS DONE")) || at.starts(ascii("PB DONE")) || at.starts(ascii("RING")) || at.starts(ascii("+CMTI")) ||
      at.starts(ascii("+CTZV")) || at.starts(ascii("+CGEV")) || at.starts(ascii("+CNSMOD")) || at.starts(ascii("+IPCLOSE")) ||
      at.starts(ascii("+CCH_PEER_CLOSED")) || at.starts(ascii("+CCHEVENT"))) return L_SKIP;
  if (!at.waiting() && at.starts(ascii("+CPIN: READY"))) return at.U_REBOOT; // unasked: restarted
  return 0;
}

/** Nothing is pushed (CIPRXGET=1, CCHSET x,1). */
export function header(b: u8): bool { return false; }
