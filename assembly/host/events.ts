// Event kinds the firmware reports through host.event(kind, a, b, ptr, len),
// and the hook that shows the same events to an app inside the module.
// scripts/gen-tables.ts copies the kinds and their doc comments to the hosts.
import { hostEvent } from "./abi";

/** a = session present (0/1). */
export const EV_CONNECTED = 1;
/** a = the error code that ended the connection, 0 after disconnect(). */
export const EV_DISCONNECTED = 2;
/** a = packet id; b = granted QoS, or 128 refused; ptr/len = the filter (one event per filter). */
export const EV_SUBSCRIBED = 3;
/** a = packet id; ptr/len = the filter (one event per filter), or none when dropped for a new session. */
export const EV_UNSUBSCRIBED = 4;
/** a = packet id (0 for QoS 0); b = QoS; ptr/len = the topic. QoS 0 when handed to the transmit buffer (it goes out unless the link fails first), 1 on PUBACK, 2 on PUBCOMP. */
export const EV_PUBLISHED = 5;
/** a = error code; b = detail (CONNACK return code, packet type, ...); ptr/len = a text. */
export const EV_ERROR = 6;

/** An app's event hook: the same five values the host gets. */
export type EventHook = (kind: i32, a: i32, b: i32, ptr: usize, len: i32) => void;

let hook: usize = 0;

/** Lets an app inside the module see every event (one hook; 0 removes it). */
export function onEvent(h: EventHook | null): void { hook = changetype<usize>(h); }

/** Reports an event to the app's hook, then to the host. */
export function emit(kind: i32, a: i32, b: i32, ptr: usize, len: i32): void {
  if (hook != 0) changetype<EventHook>(hook)(kind, a, b, ptr, len);
  hostEvent(kind, a, b, ptr, len);
}
