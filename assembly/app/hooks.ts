// The app's hooks: its setup (registered by the build entry with useApp),
// and what it wants told when the session connects or disconnects. The
// connect hooks ride on the firmware's one event hook (host/events.ts).
import { onEvent, EV_CONNECTED, EV_DISCONNECTED } from "../host/events";

let appSetup: usize = 0;
let connectFn: usize = 0;
let disconnectFn: usize = 0;

/** Registers the app's setup: the firmware's setup() export calls it once,
 * after the configuration is loaded and before the session starts
 * connecting. A top-level statement of the build entry. */
export function useApp(setup: () => void): void { appSetup = changetype<usize>(setup); }

/** Runs the app's setup, if one is registered (firmware.ts). */
export function runAppSetup(): void {
  if (appSetup != 0) changetype<() => void>(appSetup)();
}

function onSessionEvent(kind: i32, a: i32, b: i32, ptr: usize, len: i32): void {
  if (kind == EV_CONNECTED && connectFn != 0) changetype<(sessionPresent: bool) => void>(connectFn)(a != 0);
  else if (kind == EV_DISCONNECTED && disconnectFn != 0) changetype<(error: i32) => void>(disconnectFn)(a);
}

/** fn(sessionPresent) after every CONNACK that accepts the connection. */
export function onConnect(fn: (sessionPresent: bool) => void): void {
  connectFn = changetype<usize>(fn);
  onEvent(onSessionEvent);
}

/** fn(error) when a connection ends: the error code (errors.ts) that ended
 * it, 0 after our own DISCONNECT. */
export function onDisconnect(fn: (error: i32) => void): void {
  disconnectFn = changetype<usize>(fn);
  onEvent(onSessionEvent);
}
