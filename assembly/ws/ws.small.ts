// The stand-in for ws.ts in the small profile and in a build with
// ATMQTT_WS=0 (scripts/ascii-transform.mjs compiles it instead): no
// WebSocket, whose upgrade, SHA-1 and frame buffers (~0.9 KB) do not fit
// 4 KiB, and whose code (~4.4 KB) a device build may leave out. A ws://
// broker is refused at start-up (app/config.ts, HAS_WS); were one opened,
// it fails with -20 (unsupported). Same exports as ws.ts.
import * as E from "../errors";
import { LINK_DOWN } from "../link/link";

export function wsError(): i32 { return 0; }
export function wsErrorDetail(): i32 { return 0; }
export function wsPendingOut(): i32 { return 0; }
export function wsOpen(h: usize, hl: i32, p: i32, pth: usize, pthl: i32, secure: bool): i32 { return E.E_UNSUPPORTED; }
export function wsState(): i32 { return LINK_DOWN; }
export function wsWrite(p: usize, n: i32): i32 { return E.E_NOT_CONNECTED; }
export function wsRead(p: usize, n: i32): i32 { return E.E_NOT_CONNECTED; }
export function wsClose(): void {}
