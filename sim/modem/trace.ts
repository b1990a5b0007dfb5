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

/**
 * Masks secrets (passwords) in a chunk of UART bytes with '*': every whole
 * occurrence, and at the chunk's edges a piece of 3 bytes or more that may
 * continue in the chunk before or after (a secret split between two writes).
 */
export function redact(bytes: Uint8Array, secrets: readonly Uint8Array[]): Uint8Array {
  let out: Uint8Array | null = null;
  const mask = (from: number, to: number): void => {
    out ??= Uint8Array.from(bytes);
    out.fill(0x2a, Math.max(0, from), Math.min(bytes.length, to));
  };
  const matchAt = (sec: Uint8Array, at: number, from: number, n: number): boolean => {
    for (let k = 0; k < n; k++) if (bytes[at + k] !== sec[from + k]) return false;
    return true;
  };
  for (const sec of secrets) {
    const L = sec.length;
    if (L === 0) continue;
    for (let i = 0; i + L <= bytes.length; i++) if (matchAt(sec, i, 0, L)) mask(i, i + L);
    // the chunk ends with the secret's start, or starts with its end
    for (let n = Math.min(L - 1, bytes.length); n >= 3; n--) {
      if (matchAt(sec, bytes.length - n, 0, n)) { mask(bytes.length - n, bytes.length); break; }
    }
    for (let n = Math.min(L - 1, bytes.length); n >= 3; n--) {
      if (matchAt(sec, 0, L - n, n)) { mask(0, n); break; }
    }
  }
  return out ?? bytes;
}

/**
 * A ModemOptions.log hook that writes formatted lines to sink, timed from
 * its creation; the secrets given are masked (passwords stay out of traces
 * that get pasted into bug reports, unless the user asks with --show-secrets).
 */
export function traceLog(sink: (line: string) => void, now: () => number = () => performance.now(),
  secrets: readonly string[] = []): (dir: TraceDir, bytes: Uint8Array) => void {
  const t0 = now();
  const sec = secrets.filter((x) => x.length > 0).map((x) => new TextEncoder().encode(x));
  return (dir, bytes) => sink(formatTrace(dir, sec.length > 0 ? redact(bytes, sec) : bytes, now() - t0));
}
