// ESP8266 / ESP32 AT firmware driver (the interface is in driver.ts):
// station mode, one TCP or SSL link (id 0) in multi-link mode, passive
// receive (CIPRECVMODE=1) when the firmware has it, active +IPD otherwise.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import * as at from "./at";
import { R_NONE, R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, REFUSED, NO_TLS, SENT, SKIP, DONE, FIRST_PHASE, L_SKIP, L_ERROR, L_INFO } from "./driver";
import * as modemCfg from "./modemcfg";
import { cipStart } from "./cip";
export { send, close } from "./cip";

export const CRLF = true;
export const POWER_PIN = C.PIN_RESET; // CH_PD / RST: low holds the chip in reset; no PWRKEY
export const POWER_LOW_MS = C.ESP_RESET_MS;
export const BOOT_MS: u32 = 1000; // "ready" comes in well under 1 s; the AT probes wait longer if need be
export const SEND_MAX = 2048;
export const SEND_RESULT_MS: u32 = 5000;
export const OPEN_CMD_MS: u32 = 20000;
export const OPEN_MS: u32 = 20000;
export const OPEN_ERROR_IS_TLS = true; // its reason is not told: a refused TCP connect looks the same
export const READ_MAX = 2048;
export const READ_TELLS_LEFT = false;

/** Passive receive is on (else data arrives pushed as +IPD,0,len:...). */
let passive: bool = true;

// ---- bring-up: the phase table ----
export const PH_CWMODE = FIRST_PHASE;
export const PH_CWJAP = PH_CWMODE + 1;
export const PH_MUX = PH_CWMODE + 2;
export const PH_RECVMODE = PH_CWMODE + 3;
export const PH_SSLSIZE = PH_CWMODE + 4;
export const PH_SSLCONF = PH_CWMODE + 5;
/** Wi-Fi lost: join again from CWJAP. */
export const REATTACH = PH_CWJAP;

function cmd(s: usize): i32 { at.command(s, 2000); return SENT; }

/** Sends a phase's command (r == R_NONE) or says what its answer r means. */
export function phase(p: i32, r: i32): i32 {
  const ok = r == R_OK;
  if (r == R_TIMEOUT) return ESCALATE;
  switch (p) {
    case PH_CWMODE:
      if (r == R_NONE) return cmd(ascii("AT+CWMODE=1"));
      break;
    case PH_CWJAP: {
      if (r == R_NONE) {
        at.begin(ascii("AT+CWJAP="));
        at.addQuoted(modemCfg.ssid, modemCfg.ssidLen, false);
        at.add(ascii(","));
        at.addQuoted(modemCfg.wifiPass, modemCfg.wifiPassLen, true);
        at.send(20000, ascii("+CWJAP:"), false, false);
        return SENT;
      }
      if (ok) return NEXT;
      // +CWJAP:1 timeout, 2 wrong password, 3 no AP, 4 failed
      const why = at.field(at.info, at.infoLen, 0);
      return why == 2 || why == 3 ? REFUSED : RETRY;
    }
    case PH_MUX:
      if (r == R_NONE) return cmd(ascii("AT+CIPMUX=1"));
      break;
    case PH_RECVMODE:
      if (r == R_NONE) return cmd(ascii("AT+CIPRECVMODE=1"));
      passive = ok;
      return NEXT;
    // TLS: the ESP8266's SSL buffer (ESP32 firmware answers ERROR: fine),
    // then server verification against the module's CA, off only when
    // configured insecure
    case PH_SSLSIZE:
      if (r == R_NONE) return (modemCfg.tls & 1) == 0 ? SKIP : cmd(ascii("AT+CIPSSLSIZE=4096"));
      return NEXT;
    case PH_SSLCONF:
      if (r == R_NONE) {
        if ((modemCfg.tls & 1) == 0) return SKIP;
        at.begin(ascii("AT+CIPSSLCCONF=0,"));
        at.addInt((modemCfg.tls & 2) != 0 ? 0 : 2);
        at.send(2000, 0, false, false);
        return SENT;
      }
      // a module that cannot check certificates is never used unchecked unasked
      return ok || (modemCfg.tls & 2) != 0 ? NEXT : NO_TLS;
    default:
      return DONE;
  }
  return ok ? NEXT : ESCALATE;
}

// ---- link 0 ----

export function open(host: usize, hostLen: i32, port: i32): void {
  // the ESP opens its SSL links itself
  cipStart((modemCfg.tls & 1) != 0 ? ascii("AT+CIPSTART=0,\"SSL\",") : ascii("AT+CIPSTART=0,\"TCP\","), host, hostLen, port, OPEN_CMD_MS);
}

export function read(len: i32): void {
  at.begin(ascii("AT+CIPRECVDATA=0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

export function poll(): void {
  at.begin(ascii("AT+CIPRECVLEN?"));
  at.send(2000, ascii("+CIPRECVLEN:"), false, false);
}

export function polled(): i32 { return at.field(at.info, at.infoLen, 0); }

export function pulls(): bool { return passive; }
/** A passive-mode notification (+IPD,0,n without data) from a module taken
 * for active: it is passive after all, read as such. */
export function pushedSeen(): void { passive = true; }

// ---- recognisers ----

export function line(): i32 {
  if (at.ours(ascii("CLOSED"))) return at.U_CLOSED;
  if (at.ours(ascii("CONNECT")) || at.starts(ascii("ALREADY CONNECTED"))) return at.U_CONNECT_OK;
  if (at.ours(ascii("SEND OK"))) return at.U_SEND_OK;
  if (at.ours(ascii("SEND FAIL"))) return at.U_SEND_FAIL;
  if (at.starts(ascii("WIFI DISCONNECT"))) return at.U_PDP_DEACT;
  if (at.starts(ascii("WIFI GOT IP"))) return at.U_WIFI_IP;
  // passive: +IPD,id,n announces data without carrying it
  // (+IPD,n in single-link mode has no id: field 2 is missing)
  if (at.starts(ascii("+IPD,"))) return at.lineField(1) == 0 || at.lineField(2) < 0 ? at.U_DATA : L_SKIP;
  if (at.starts(ascii("ready"))) return at.U_REBOOT | at.U_BOOT;
  if (at.starts(ascii("busy "))) return at.U_BUSY;
  // WIFI CONNECTED and Recv n bytes match no answer the engine waits for: they pass
  if (at.starts(ascii("FAIL"))) return L_ERROR;
  if (at.starts(ascii("+CWJAP:"))) return L_INFO;
  return 0;
}

/** +IPD,[id,]len[,ip,port]: pushed; +CIPRECVDATA:len, (documented) or
 * +CIPRECVDATA,len: (ESP8266 AT 1.7.x NONOS prints this) pulled. */
export function header(b: u8): bool {
  if (b == 0x3A && at.starts(ascii("+IPD,"))) return at.pushedRead();
  if (b == 0x3A && at.starts(ascii("+CIPRECVDATA,"))) { at.countedRead(at.lineField(1), -1); return true; }
  if (b == 0x2C && at.starts(ascii("+CIPRECVDATA:"))) { at.countedRead(at.lineField(0), -1); return true; }
  return false;
}
