// Readable UART traces (atmqtt sim --trace): one line per chunk, with a
// timestamp, the direction, and the bytes with control characters escaped.
import type { TraceDir } from './types.ts';

/** Printable ASCII as is; \r \n \t \\ escaped; every other byte as \xNN. */
export function escapeBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return s;
}

/** `   12.345 dev->mdm >> AT+CIPSEND=0,5\r` (tMs: milliseconds since the start of the run). */
export function formatTrace(dir: TraceDir, bytes: Uint8Array, tMs: number): string {
  const t = (tMs / 1000).toFixed(3).padStart(9);
  const arrow = dir === 'dev->mdm' ? '>>' : '<<';
  return `${t} ${dir} ${arrow} ${escapeBytes(bytes)}`;
}

/** A ModemOptions.log hook that writes formatted lines to sink, timed from its creation. */
export function traceLog(sink: (line: string) => void, now: () => number = () => performance.now()): (dir: TraceDir, bytes: Uint8Array) => void {
  const t0 = now();
  return (dir, bytes) => sink(formatTrace(dir, bytes, now() - t0));
}
