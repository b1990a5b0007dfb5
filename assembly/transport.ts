// What the session reads and writes through: the raw link, or a WebSocket
// over it. Same five calls either way (coreMQTT's transport interface).
// Bound once, from the URL's scheme at configuration time; each call is one
// test of that binding (cheaper in code than calls through function
// references: see the measurement in link/family.ts).
import { linkOpen, linkState, linkRead, linkWrite, linkClose, linkPoll, linkSleep, linkPendingOut, linkError } from "./link/link";
import { wsOpen, wsState, wsRead, wsWrite, wsClose, wsError, wsErrorDetail, wsPendingOut } from "./ws/ws";

let useWs: bool = false;

/** Binds the WebSocket layer (ws://, wss://) or the raw link, once. */
export function transportUseWebSocket(on: bool): void { useWs = on; }

export function transportOpen(host: usize, hostLen: i32, port: i32, path: usize, pathLen: i32, secure: bool): i32 {
  return useWs ? wsOpen(host, hostLen, port, path, pathLen, secure) : linkOpen(host, hostLen, port, secure);
}

/** Runs the link's own state machine (modem bring-up, polling); every loop. */
export function transportPoll(): void { linkPoll(); }
export function transportSleep(): u32 { return linkSleep(); }
/** Bytes written but still queued below: in the WebSocket layer, then the link. */
export function transportPendingOut(): i32 { return (useWs ? wsPendingOut() : 0) + linkPendingOut(); }

/** LINK_DOWN, LINK_OPENING or LINK_UP; also drives handshakes. */
export function transportState(): i32 { return useWs ? wsState() : linkState(); }
export function transportRead(p: usize, n: i32): i32 { return useWs ? wsRead(p, n) : linkRead(p, n); }
export function transportWrite(p: usize, n: i32): i32 { return useWs ? wsWrite(p, n) : linkWrite(p, n); }
export function transportClose(): void { if (useWs) wsClose(); else linkClose(); }

/** The named error of the WebSocket layer or the link (0 when none), and its detail. */
export function transportError(): i32 { return useWs && wsError() != 0 ? wsError() : linkError(); }
export function transportErrorDetail(): i32 { return useWs ? wsErrorDetail() : 0; }
