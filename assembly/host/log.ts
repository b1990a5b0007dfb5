// A line formatter over one fixed buffer, so logging never allocates.
// Texts are ascii("...") blobs (mem/ascii.ts).
import { ascii } from "../mem/ascii";
import { hostLog } from "./abi";
import { LOG_BYTES } from "../config";
import { putDigits } from "../mem/bytes";

const logBuf: usize = memory.data(LOG_BYTES);
let logLen: i32 = 0;

export const LOG_ERROR = 1;
export const LOG_WARN = 2;
export const LOG_INFO = 3;
export const LOG_DEBUG = 4;

/** Starts a line with s, an ascii("...") text. */
export function logStart(s: usize): void {
  logLen = 0;
  logStr(s);
}

export function logStr(s: usize): void {
  const n = min(<i32>load<u8>(s), LOG_BYTES - logLen);
  memory.copy(logBuf + logLen, s + 1, n);
  logLen += n;
}

/** Appends raw bytes (a topic, a modem line), control bytes shown as '.'. */
export function logBytes(p: usize, n: i32): void {
  for (let i = 0; i < n && logLen < LOG_BYTES; i++) {
    const c = load<u8>(p + i);
    store<u8>(logBuf + logLen++, c < 32 || c > 126 ? 46 : c);
  }
}

export function logInt(v: i32): void {
  if (v < 0) { logStr(ascii("-")); v = -v; }
  logLen += putDigits(logBuf + logLen, <u32>v, LOG_BYTES - logLen);
}

export function logEnd(level: i32): void {
  hostLog(level, logBuf, logLen);
}

/** The formatted line so far, for events that carry text. */
export function logPtr(): usize { return logBuf; }
export function logLength(): i32 { return logLen; }
