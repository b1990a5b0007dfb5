// The link: a byte stream to one peer over the host's sockets or an AT
// modem. The session reaches it through transport.ts and never knows which
// it is. All calls return at once.
//
// Bound once: linkSelect() maps the configured kind to the host's sockets
// or a modem family (its driver bound in family.ts); every call below is
// one test of that binding (a branch costs less code than a call through a
// function reference here, as measured for the modem drivers: family.ts).
import { socketOpen, socketState, socketWrite, socketRead, socketClose, socketError } from "./socket";
import { modemSelect, modemPoll, modemSleep, modemPendingOut, modemOpen, modemState, modemWrite, modemRead, modemClose, modemError, FAMILY_SIM, FAMILY_ESP, FAMILY_SIM7600, FAMILY_BG96 } from "./modem";
import { E_UNSUPPORTED } from "../errors";
import { HAS_SIM800, HAS_ESP, HAS_SIM7600, HAS_BG96 } from "../config";
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
/** The bytes go through an AT modem (else the host's sockets). */
let modem: bool = false;

/** The modem family of kind k when its driver is compiled in (config.ts's
 * HAS_*: the LTE ones never in the small profile), else 0. */
export function linkFamily(k: i32): i32 {
  let family = 0;
  if (HAS_SIM800 && (k == KIND_SIM800 || k == KIND_SIM900 || k == KIND_SIM7000)) family = FAMILY_SIM;
  if (HAS_ESP && k == KIND_ESP_AT) family = FAMILY_ESP;
  if (HAS_SIM7600 && k == KIND_SIM7600) family = FAMILY_SIM7600;
  if (HAS_BG96 && k == KIND_BG96) family = FAMILY_BG96;
  return family;
}

export function linkSelect(k: i32, baud: i32): i32 {
  const family = linkFamily(k);
  if (family == 0 && k != KIND_SOCKET) return E_UNSUPPORTED;
  modem = family != 0;
  if (modem) modemSelect(family, baud);
  return 0;
}

/** Drives the link's own state machine (modem bring-up...); every loop. */
export function linkPoll(): void { if (modem) modemPoll(); }

/** Bytes taken by linkWrite() that have not left yet (a modem's queue). */
export function linkPendingOut(): i32 { return modem ? modemPendingOut() : 0; }

/** Milliseconds until the link needs a step of its own. */
export function linkSleep(): u32 { return modem ? modemSleep() : 0xFFFFFFFF; }

/** Starts opening a stream to host:port; poll linkState() for the result. */
export function linkOpen(host: usize, hostLen: i32, port: i32, secure: bool): i32 {
  // a modem set TLS up at bring-up
  return modem ? modemOpen(host, hostLen, port) : socketOpen(host, hostLen, port, secure);
}

/** Why the last open failed, when the link knows (E_TLS...), else 0. */
export function linkError(): i32 { return modem ? modemError() : socketError(); }

export function linkState(): i32 { return modem ? modemState() : socketState(); }

/** Writes up to n bytes; returns how many were taken, or a negative error. */
export function linkWrite(p: usize, n: i32): i32 { return modem ? modemWrite(p, n) : socketWrite(p, n); }

/** Reads up to n bytes; 0 when none are waiting, negative once closed. */
export function linkRead(p: usize, n: i32): i32 { return modem ? modemRead(p, n) : socketRead(p, n); }

export function linkClose(): void { if (modem) modemClose(); else socketClose(); }
