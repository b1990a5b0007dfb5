// ESP8266 / ESP32 AT firmware driver: station mode, one TCP link (id 0) in
// multi-link mode, passive receive (CIPRECVMODE=1) when the firmware has
// it, active +IPD otherwise. The common state machine and the shared socket
// commands are in modem.ts.
import { ascii } from "../mem/ascii";
import * as at from "./at";
import { R_OK, R_TIMEOUT } from "./at";
import { NEXT, RETRY, ESCALATE, REFUSED, NO_TLS, SENT, SKIP, DONE } from "./modemcfg";
import * as modemCfg from "./modemcfg";

/** Passive receive is on (else data arrives pushed as +IPD,0,len:...). */
export let espPassive: bool = true;
export function setEspPassive(on: bool): void { espPassive = on; }

export function espInit(phase: i32): i32 {
  switch (phase) {
    case 0: at.begin(ascii("AT")); at.send(500, 0, false, false); return SENT;
    case 1: at.begin(ascii("ATE0")); at.send(1000, 0, false, false); return SENT;
    case 2: at.begin(ascii("AT+CWMODE=1")); at.send(2000, 0, false, false); return SENT;
    case 3:
      at.begin(ascii("AT+CWJAP="));
      at.addQuoted(modemCfg.ssid, modemCfg.ssidLen);
      at.add(ascii(","));
      at.addQuoted(modemCfg.wifiPass, modemCfg.wifiPassLen);
      at.send(20000, ascii("+CWJAP:"), false, false);
      return SENT;
    case 4: at.begin(ascii("AT+CIPMUX=1")); at.send(2000, 0, false, false); return SENT;
    case 5: at.begin(ascii("AT+CIPRECVMODE=1")); at.send(2000, 0, false, false); return SENT;
    // TLS: the ESP8266's SSL buffer (ESP32 firmware answers ERROR: fine),
    // then server verification against the module's CA, off only when
    // configured insecure
    case 6:
      if ((modemCfg.tls & 1) == 0) return SKIP;
      at.begin(ascii("AT+CIPSSLSIZE=4096")); at.send(2000, 0, false, false); return SENT;
    case 7:
      if ((modemCfg.tls & 1) == 0) return SKIP;
      at.begin(ascii("AT+CIPSSLCCONF=0,"));
      at.addInt((modemCfg.tls & 2) != 0 ? 0 : 2);
      at.send(2000, 0, false, false);
      return SENT;
  }
  return DONE;
}

export function espInitResult(phase: i32, r: i32): i32 {
  if (r == R_TIMEOUT) return phase == 0 ? RETRY : ESCALATE;
  if (phase == 0) return r == R_OK ? NEXT : RETRY;
  if (phase == 1) { if (r == R_OK) at.setEchoOff(true); return r == R_OK ? NEXT : RETRY; }
  if (phase == 3) {
    if (r == R_OK) return NEXT;
    // +CWJAP:1 timeout, 2 wrong password, 3 no AP, 4 failed
    const why = at.field(at.info, at.infoLen, 0);
    return why == 2 || why == 3 ? REFUSED : RETRY;
  }
  if (phase == 5) {
    espPassive = r == R_OK;
    return NEXT;
  }
  if (phase == 6) return NEXT;
  // a module that cannot check certificates is never used unchecked unasked
  if (phase == 7) return r == R_OK || (modemCfg.tls & 2) != 0 ? NEXT : NO_TLS;
  return r == R_OK ? NEXT : ESCALATE;
}

/** Wi-Fi lost: join again from CWJAP. */
export const ESP_REATTACH_PHASE = 3;

export function espRead(len: i32): void {
  at.begin(ascii("AT+CIPRECVDATA=0,"));
  at.addInt(len);
  at.send(5000, 0, false, false);
}

export function espPoll(): void {
  at.begin(ascii("AT+CIPRECVLEN?"));
  at.send(2000, ascii("+CIPRECVLEN:"), false, false);
}

export function espPollResult(): i32 { return at.field(at.info, at.infoLen, 0); }

