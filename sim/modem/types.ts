// The modem emulator contract (see the report of the modem work and
// /work/shared/reference/at-modems.md). The host's uart_* and gpio_write
// imports are wired to a ModemEmulator.

import type { ModemKind } from './kinds.ts';
export type { ModemKind } from './kinds.ts';

export type TraceDir = 'dev->mdm' | 'mdm->dev';

/** Timer functions, injectable together with `now` for virtual time. */
export interface ModemTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Delays every emulated modem uses (defaults in base.ts). */
export interface BaseTiming {
  /** Extra delay after the real TCP connect (and TLS handshake) before CONNECT OK / n,CONNECT. */
  connectMs: number;
  /** How long a 'urc-storm' lasts. */
  stormMs: number;
  /** during an outage, how long a connect tries before it fails */
  outageConnectFailMs: number;
  /** Shortest PWRKEY LOW pulse that switches the module on (SIM800/SIM900 hardware design: 1 s). */
  pwrkeyMs: number;
  /** Shortest PWRKEY LOW pulse that switches a running module off (SIM800 HD V1.10: 1.5 s; SIM900 HD V1.05: 1 s). */
  pwrkeyOffMs: number;
  /** Shortest RESET (RST / CH_PD) LOW that resets the module; shorter does nothing. */
  resetMs: number;
  /** UART pump granularity: readable notifications at most this often while bytes flow. */
  tickMs: number;
}

/** SIM800 / SIM900 delays (defaults in simcom.ts). */
export interface SimTiming {
  /** SIM800: power-on garbage after this. */
  simGarbageMs: number;
  /** SIM: `RDY` (and commands accepted from here on). */
  simRdyMs: number;
  /** SIM: `+CFUN: 1`, `+CPIN: READY`. */
  simCfunMs: number;
  /** SIM: network registration (+CREG 0,2 before, 0,1 after) and GPRS attach. */
  registerMs: number;
  /** SIM: `Call Ready`, `SMS Ready`. */
  simCallReadyMs: number;
  /** SIM: AT+CIICR bringing the PDP context up. */
  ciicrMs: number;
  /** SIM: AT+CIPSHUT. */
  shutMs: number;
  /** SIM: AT+CGATT=1 when registered. */
  cgattMs: number;
  /** SIM: CIPSEND with CIPQSEND=0 until `SEND OK` (the peer's ACK). */
  sendOkMs: number;
  /** SIM: CIPCLOSE until `CLOSE OK`. */
  closeMs: number;
  /** SIM: TCP connect (and TLS handshake) timeout (multi-IP; single from IP INITIAL is 160 s in the manual). */
  simConnectTimeoutMs: number;
  /** SIM: bytes buffered per link in manual receive mode before TCP backpressure. */
  simRxBufMax: number;
}

/** ESP-AT delays (defaults in esp.ts). */
export interface EspTiming {
  /** ESP: boot noise (ROM log at 74880 baud) after power-on / reset. */
  espGarbageMs: number;
  /** ESP: `ready`. */
  espReadyMs: number;
  /** ESP: AT+CWJAP until `WIFI GOT IP` / OK (WIFI CONNECTED at 60 %). */
  cwjapMs: number;
  /** ESP: AT+CWJAP until `+CWJAP:<n>` / FAIL. */
  cwjapFailMs: number;
  /** ESP: after `WIFI DISCONNECT` (fault), the station reconnects by itself after this. 0 = never. */
  espReconnectMs: number;
  /** ESP: AT+RST: OK, then the restart after this. */
  espRstMs: number;
  /** ESP: from data handed over to `SEND OK`. */
  espSendOkMs: number;
  /** ESP: TCP connect timeout. */
  espConnectTimeoutMs: number;
  /** ESP: passive receive buffer per link (esp-at default 5744); beyond it TCP backpressure. */
  espRxBufMax: number;
}

/** LTE modules (SIM7600, BG96) delays (defaults in sim7600.ts / bg96.ts). */
export interface LteTiming {
  /** `RDY` (commands accepted from here on) after power-on. */
  lteRdyMs: number;
  /** `+CPIN: READY` (BG96 also `+CFUN: 1`, `+QUSIM: 1`). */
  lteCpinMs: number;
  /** SIM7600 `SMS DONE` / `PB DONE`, BG96 `+QIND: SMS DONE` / `APP RDY`. */
  lteDoneMs: number;
  /** Network registration (+CEREG / +CGREG / +CREG 1) after power-on or CFUN=1: seconds on LTE-M. */
  lteRegisterMs: number;
  /** SIM7600 AT+NETOPEN / BG96 AT+QIACT until the PDP context is up. */
  pdpActMs: number;
  /** SIM7600 AT+NETCLOSE / BG96 AT+QIDEACT. */
  pdpDeactMs: number;
  /** TCP connect (and TLS handshake) timeout. */
  lteConnectTimeoutMs: number;
  /** from data handed over to the send acknowledgement (`+CIPSEND: n,len,len` / `SEND OK`). */
  lteSendMs: number;
  /** bytes buffered per link before TCP backpressure. */
  lteRxBufMax: number;
}

/** Every delay an emulator uses by itself, in milliseconds; each vendor file holds its defaults. */
export type ModemTiming = BaseTiming & SimTiming & EspTiming & LteTiming;

export interface ModemOptions {
  kind: ModemKind;
  /** default 115200; 10 bits per byte (8N1) pacing in both directions */
  baud?: number;
  /** optional device-side RX FIFO size in bytes (e.g. 64 like an AVR); bytes arriving when it is full are LOST (overrun), counted in stats */
  rxFifo?: number;
  /** SIM: the APN the SIM accepts; any APN is accepted unless `requireApn` is set (then CSTT with another APN is OK but CIICR fails). */
  apn?: string;
  requireApn?: boolean;
  /** ESP: the only network that exists (default "atmqtt-wifi" / "atmqtt-pass"); wrong password → +CWJAP:2 / FAIL, other SSID → +CWJAP:3 / FAIL */
  ssid?: string;
  wifiPassword?: string;
  /** SIM: silent until the first "AT" after power-on (IPR=0). */
  autobaud?: boolean;
  /** all randomness (garbage bytes, storm timing, addresses) from a seeded PRNG; default 1 */
  seed?: number;
  /** UART trace hook, both directions. dev->mdm when the device writes, mdm->dev when the modem starts sending. */
  log?: (dir: TraceDir, bytes: Uint8Array) => void;
  /**
   * TLS: the CA certificate(s), PEM, the module verifies brokers against
   * (what a SIM800 loads with AT+SSLSETCERT, an ESP-AT keeps in its PKI
   * partition). Without it, Node's default trust store.
   */
  ca?: string;
  /** The module's firmware has SSL (default true). SIM900 never has; false emulates a SIM800 build without it: AT+CIPSSL, AT+SSLOPT, "SSL" links answer ERROR. */
  ssl?: boolean;
  /** The emulator's own remarks (TLS verification off, why a handshake failed); default: a line on stderr. */
  notice?: (text: string) => void;
  /** Clock in ms (default performance.now). Inject together with `timers` for virtual time. */
  now?: () => number;
  timers?: ModemTimers;
  /** 'slow' fault: responses delayed by slowFactor × the command's manual max time (default 0.5). */
  slowFactor?: number;
  /** Override any built-in delay. */
  timing?: Partial<ModemTiming>;
  /** Multi-IP SIM URCs as `0, CONNECT OK` (true, default, as SIM800/SIM900 print them) or `0,CONNECT OK`. */
  spaceAfterComma?: boolean;
  /** Powered at creation (default true). false: SIM needs a PWRKEY pulse, ESP a RESET (CH_PD) LOW→HIGH. */
  poweredOn?: boolean;
  /** ESP: a firmware without passive receive (old NONOS builds): AT+CIPRECVMODE answers ERROR, data always comes pushed as `+IPD,id,len:data`. */
  noPassive?: boolean;
  /** SIM: chance (per boot, seeded) that `Call Ready` / `SMS Ready` come late, as on real modules: just after the first CIPSTART's OK, or seconds after registration (default 0.3). */
  lateReady?: number;
}

export interface ModemStats {
  bytesToDevice: number;
  bytesFromDevice: number;
  overruns: number;
  commands: number;
  connects: number;
}

export interface ModemEmulator {
  /** The device writes bytes to the modem (firmware uart_write); returns how many the modem took (always all). */
  write(data: Uint8Array): number;
  /** The device reads up to max bytes that have ARRIVED over the paced UART so far (firmware uart_read). */
  read(max: number): Uint8Array;
  /** uart_set_baud from the device. The modem's own rate changes only by AT+IPR / AT+UART_CUR or autobaud sync; a mismatch garbles both directions. */
  setBaud(baud: number): void;
  /** gpio_write from the device. Pin 4 = PWRKEY (SIM: a LOW pulse ≥1 s then HIGH toggles power), pin 5 = RESET (LOW holds in reset, HIGH boots; ESP: CH_PD/RST). */
  gpio(pin: number, level: number): void;
  /** Fault injection by name (FAULTS). Unknown name → throws. */
  fault(name: string): void;
  /** Called whenever new bytes become readable by the device. */
  onReadable(cb: () => void): void;
  stats(): ModemStats;
  /** closes bridged sockets and timers */
  close(): void;
}

/**
 * late-ready: SIM `Call Ready` / `SMS Ready` now, as a real SIM800 may send
 * them long after registration (no restart: nothing else changes; ESP: none).
 * reset-mid-read: the next counted data response (SIM `+CIPRXGET: 2` reply,
 * SIM pushed `+IPD`/`+RECEIVE`, ESP `+CIPRECVDATA` reply, ESP active `+IPD`)
 * goes out 8 bytes short, then the module restarts as after a brown-out
 * (power-on garbage, `RDY` / `ready`). reset-after-read: the same, with the
 * data whole but the restart before the reply's `OK`.
 */
export const FAULTS = ['drop', 'pdp-deact', 'reboot', 'garbage', 'urc-storm', 'hang', 'slow', 'send-fail', 'reset-mid-read', 'reset-after-read', 'outage', 'late-ready', 'clear'] as const;
export type FaultName = (typeof FAULTS)[number];

export const PIN_PWRKEY = 4;
export const PIN_RESET = 5;
