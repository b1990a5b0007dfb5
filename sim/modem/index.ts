// Emulated AT modems for the simulator: SIM800 / SIM900 (SIMCom TCP/IP) and
// the ESP8266 AT firmware, behind the paced UART of board/ABI.md's uart_*
// and gpio_write imports. Sockets opened with AT+CIPSTART are real TCP
// connections (node:net).
import { BASE_TIMING } from './base.ts';

const BASE_PINS = { pwrkeyMs: BASE_TIMING.pwrkeyMs, pwrkeyOffMs: BASE_TIMING.pwrkeyOffMs };
import { SimModem, SIM_TIMING, SIM900_PINS, SIM7000_TIMING } from './simcom.ts';
import { EspModem, ESP_TIMING } from './esp.ts';
import { Sim7600Modem, SIM7600_TIMING } from './sim7600.ts';
import { Bg96Modem, BG96_TIMING } from './bg96.ts';
import { kindInfo } from './kinds.ts';
import type { ModemEmulator, ModemKind, ModemOptions, ModemTiming } from './types.ts';

export * from './types.ts';
export { formatTrace, escapeBytes, traceLog } from './trace.ts';
export { MODEM_KINDS, MODEM_KIND_NAMES, FIRMWARE_KINDS, isModemKind, kindInfo, kindList, type ModemKindInfo } from './kinds.ts';

/** Every delay's default, from the vendor files (the LTE ones: SIM7600's; BG96 has its own in bg96.ts). */
export const DEFAULT_TIMING: ModemTiming = { ...BASE_TIMING, ...SIM_TIMING, ...ESP_TIMING, ...SIM7600_TIMING, ...BASE_PINS };

/** A kind's PWRKEY minimum pulses (on, off), from its vendor file. */
export function pinTiming(kind: ModemKind): { pwrkeyMs: number; pwrkeyOffMs: number } {
  const t = { ...BASE_TIMING, ...vendorTiming(kind) };
  return { pwrkeyMs: t.pwrkeyMs, pwrkeyOffMs: t.pwrkeyOffMs };
}

function vendorTiming(kind: ModemKind): Partial<ModemTiming> {
  switch (kindInfo(kind).family) {
    case 'simcom-2g': return kind === 'sim900' ? { ...SIM_TIMING, ...SIM900_PINS } : SIM_TIMING;
    case 'esp-at': return ESP_TIMING;
    case 'simcom-lte': return kind === 'sim7000' ? SIM7000_TIMING : SIM7600_TIMING;
    case 'quectel': return BG96_TIMING;
  }
}

export function createModem(opts: ModemOptions): ModemEmulator {
  let m: SimModem | EspModem | Sim7600Modem | Bg96Modem;
  switch (opts.kind) {
    case 'sim800':
    case 'sim900':
      m = new SimModem(opts);
      break;
    case 'sim7000':
      m = new SimModem(opts);
      break;
    case 'esp-at':
      m = new EspModem(opts);
      break;
    case 'sim7600':
      m = new Sim7600Modem(opts);
      break;
    case 'bg96':
      m = new Bg96Modem(opts);
      break;
    default:
      throw new Error(`unknown modem kind "${String((opts as { kind: unknown }).kind)}"`);
  }
  m.start();
  return m;
}
