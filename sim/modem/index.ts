// Emulated AT modems for the simulator: SIM800 / SIM900 (SIMCom TCP/IP) and
// the ESP8266 AT firmware, behind the paced UART of board/ABI.md's uart_*
// and gpio_write imports. Sockets opened with AT+CIPSTART are real TCP
// connections (node:net).
import { SimModem } from './simcom.ts';
import { EspModem } from './esp.ts';
import type { ModemEmulator, ModemOptions } from './types.ts';

export * from './types.ts';
export { formatTrace, escapeBytes, traceLog } from './trace.ts';
export { DEFAULT_TIMING } from './base.ts';

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
