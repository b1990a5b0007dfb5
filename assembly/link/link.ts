// The transport interface (coreMQTT's transport_interface.h in spirit):
// the session opens, polls, reads and writes a byte stream here and never
// knows what carries it. All calls return at once.
import { socketOpen, socketState, socketWrite, socketRead, socketClose } from "./socket";
import { E_UNSUPPORTED } from "../errors";

export const LINK_DOWN = 0;
export const LINK_OPENING = 1;
export const LINK_UP = 2;

/** Which link carries the bytes (config `link`). */
export const KIND_SOCKET = 0;
let kind: i32 = KIND_SOCKET;

export function linkSelect(k: i32): i32 {
  if (k != KIND_SOCKET) return E_UNSUPPORTED;
  kind = k;
  return 0;
}

/** Starts opening a stream to host:port; poll linkState() for the result. */
export function linkOpen(host: usize, hostLen: i32, port: i32, secure: bool): i32 {
  return socketOpen(host, hostLen, port, secure);
}

export function linkState(): i32 { return socketState(); }

/** Writes up to n bytes; returns how many were taken, or a negative error. */
export function linkWrite(p: usize, n: i32): i32 { return socketWrite(p, n); }

/** Reads up to n bytes; 0 when none are waiting, negative once closed. */
export function linkRead(p: usize, n: i32): i32 { return socketRead(p, n); }

export function linkClose(): void { socketClose(); }
