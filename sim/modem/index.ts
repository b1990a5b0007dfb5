// Emulated AT modems for the simulator: SIM800 / SIM900 (SIMCom TCP/IP) and
// the ESP8266 AT firmware, behind the paced UART of board/ABI.md's uart_*
// and gpio_write imports. Sockets opened with AT+CIPSTART are real TCP
// connections (node:net).
import { BASE_TIMING } from './base.ts';
import { SimModem, SIM_TIMING, SIM900_PINS } from './simcom.ts';
import { EspModem, ESP_TIMING } from './esp.ts';
import { kindInfo } from './kinds.ts';
import type { ModemEmulator, ModemKind, ModemOptions, ModemTiming } from './types.ts';

export * from './types.ts';
export { formatTrace, escapeBytes, traceLog } from './trace.ts';
export { MODEM_KINDS, MODEM_KIND_NAMES, FIRMWARE_KINDS, isModemKind, kindInfo, kindList, type ModemKindInfo } from './kinds.ts';

/** Every delay's default, from the vendor files. */
export const DEFAULT_TIMING: ModemTiming = { ...BASE_TIMING, ...SIM_TIMING, ...ESP_TIMING };

/** A kind's PWRKEY minimum pulses (on, off), from its vendor file. */
export function pinTiming(kind: ModemKind): { pwrkeyMs: number; pwrkeyOffMs: number } {
  const t = { ...BASE_TIMING, ...vendorTiming(kind) };
  return { pwrkeyMs: t.pwrkeyMs, pwrkeyOffMs: t.pwrkeyOffMs };
}

function vendorTiming(kind: ModemKind): Partial<ModemTiming> {
  switch (kindInfo(kind).family) {
    case 'simcom-2g': return kind === 'sim900' ? { ...SIM_TIMING, ...SIM900_PINS } : SIM_TIMING;
    case 'esp-at': return ESP_TIMING;
    default: return {};
  }
}

export function createModem(opts: ModemOptions): ModemEmulator {
  let m: SimModem | EspModem;
  switch (opts.kind) {
    case 'sim800':
    case 'sim900':
      m = new SimModem(opts);
      break;
    case 'esp-at':
      m = new EspModem(opts);
      break;
    default:
      throw new Error(`unknown modem kind "${String((opts as { kind: unknown }).kind)}"`);
  }
  m.start();
  return m;
}
