// A line formatter over one fixed buffer, so logging never allocates.
// Text is ASCII (string literals are UTF-16 in memory; we narrow them).
import { hostLog } from "./abi";

const LOG_BYTES: i32 = 120;
const logBuf: usize = memory.data(LOG_BYTES);
let logLen: i32 = 0;

export const LOG_ERROR = 1;
export const LOG_WARN = 2;
export const LOG_INFO = 3;
export const LOG_DEBUG = 4;

export function logStart(s: string): void {
  logLen = 0;
  logStr(s);
}

export function logStr(s: string): void {
  const n = s.length;
  const p = changetype<usize>(s);
  for (let i = 0; i < n && logLen < LOG_BYTES; i++) {
    store<u8>(logBuf + logLen++, <u8>load<u16>(p + (<usize>i << 1)));
  }
}

/** Appends raw bytes (a topic, a modem line), control bytes shown as '.'. */
export function logBytes(p: usize, n: i32): void {
  for (let i = 0; i < n && logLen < LOG_BYTES; i++) {
    const c = load<u8>(p + i);
    store<u8>(logBuf + logLen++, c < 32 || c > 126 ? 46 : c);
  }
}

export function logInt(v: i32): void {
  if (v < 0) { logStr("-"); v = -v; }
  let div: u32 = 1;
  while (<u32>v / div >= 10) div *= 10;
  while (div > 0 && logLen < LOG_BYTES) {
    store<u8>(logBuf + logLen++, <u8>(48 + (<u32>v / div) % 10));
    div /= 10;
  }
}

export function logEnd(level: i32): void {
  hostLog(level, logBuf, logLen);
}

/** The formatted line so far, for events that carry text. */
export function logPtr(): usize { return logBuf; }
export function logLength(): i32 { return logLen; }
