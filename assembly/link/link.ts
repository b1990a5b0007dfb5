// The link: a byte stream to one peer over the host's sockets or an AT
// modem. The session reaches it through transport.ts and never knows which
// it is. All calls return at once.
import { socketOpen, socketState, socketWrite, socketRead, socketClose, socketError } from "./socket";
import { modemSelect, modemPoll, modemSleep, modemPendingOut, modemOpen, modemState, modemWrite, modemRead, modemClose, modemError, FAMILY_SIM, FAMILY_ESP, FAMILY_SIM7600, FAMILY_BG96 } from "./modem";
import { E_UNSUPPORTED } from "../errors";
import { LTE_MODEMS } from "../config";
export { LINK_DOWN, LINK_OPENING, LINK_UP } from "./linkstate";

/** Which link carries the bytes (config `link`). */
export const KIND_SOCKET = 0;
export const KIND_SIM800 = 1;
export const KIND_SIM900 = 2;
export const KIND_ESP_AT = 3;
export const KIND_SIM7600 = 4;
/** SIM7000 keeps the SIM800 TCP/IP commands: the SIM800 driver */
export const KIND_SIM7000 = 5;
export const KIND_BG96 = 6;
let kind: i32 = KIND_SOCKET;

export function linkSelect(k: i32, baud: i32): i32 {
  kind = k;
  if (k == KIND_SIM800 || k == KIND_SIM900 || k == KIND_SIM7000) modemSelect(FAMILY_SIM, baud);
  else if (k == KIND_ESP_AT) modemSelect(FAMILY_ESP, baud);
  else if (LTE_MODEMS && k == KIND_SIM7600) modemSelect(FAMILY_SIM7600, baud);
  else if (LTE_MODEMS && k == KIND_BG96) modemSelect(FAMILY_BG96, baud);
  else if (k != KIND_SOCKET) return E_UNSUPPORTED;
  return 0;
}

export function linkKind(): i32 { return kind; }

/** Drives the link's own state machine (modem bring-up...); every loop. */
export function linkPoll(): void { if (kind != KIND_SOCKET) modemPoll(); }

/** Bytes taken by linkWrite() that have not left yet (a modem's queue). */
export function linkPendingOut(): i32 { return kind == KIND_SOCKET ? 0 : modemPendingOut(); }

/** Milliseconds until the link needs a step of its own. */
export function linkSleep(): u32 { return kind == KIND_SOCKET ? 0xFFFFFFFF : modemSleep(); }

/** Starts opening a stream to host:port; poll linkState() for the result. */
export function linkOpen(host: usize, hostLen: i32, port: i32, secure: bool): i32 {
  if (kind == KIND_SOCKET) return socketOpen(host, hostLen, port, secure);
  return modemOpen(host, hostLen, port); // TLS was set up with the modem's bring-up
}

/** Why the last open failed, when the link knows (E_TLS...), else 0. */
export function linkError(): i32 { return kind == KIND_SOCKET ? socketError() : modemError(); }

export function linkState(): i32 { return kind == KIND_SOCKET ? socketState() : modemState(); }

/** Writes up to n bytes; returns how many were taken, or a negative error. */
export function linkWrite(p: usize, n: i32): i32 { return kind == KIND_SOCKET ? socketWrite(p, n) : modemWrite(p, n); }

/** Reads up to n bytes; 0 when none are waiting, negative once closed. */
export function linkRead(p: usize, n: i32): i32 { return kind == KIND_SOCKET ? socketRead(p, n) : modemRead(p, n); }

export function linkClose(): void { if (kind == KIND_SOCKET) socketClose(); else modemClose(); }
