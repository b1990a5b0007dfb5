// The modem kinds to measure: the firmware-drivable kinds of sim/modem's
// one kinds list when it has one (FIRMWARE_KINDS), else the three this
// tree's emulator knows.
import * as modems from '../sim/modem/index.ts';
import type { ModemKind } from '../sim/modem/index.ts';

export function benchKinds(): ModemKind[] {
  const list = (modems as Record<string, unknown>)['FIRMWARE_KINDS'];
  if (Array.isArray(list) && list.every((k) => typeof k === 'string')) return [...list] as ModemKind[];
  return ['sim800', 'sim900', 'esp-at'];
}
