// The modem family bound at configuration time: the one place that knows
// which driver modules exist (the interface they share is in driver.ts).
// bind() copies the driver's constants into globals; each driver function
// is reached through one switch on the bound family below, so modem.ts and
// at.ts never name a family.
//
// A switch per call rather than function references: measured on the
// default module (build/atmqtt.wasm, both drivers in it), the drivers
// bound through one function reference per name (call_indirect) made
// 28,195 B, the same code through the switches below 26,969 B (-1,226 B):
// behind a call_indirect wasm-opt can inline nothing, and every small
// driver function stays a function of its own with its call frame.
import * as at from "./at";
import * as sim from "./sim800";
import * as esp from "./espat";
import * as s76 from "./sim7600";
import * as bg96 from "./bg96";
import { LTE_MODEMS } from "../config";

export const FAMILY_SIM = 1;
export const FAMILY_ESP = 2;
/** Not in the small profile (LTE_MODEMS false): its blocks fold away. */
export const FAMILY_SIM7600 = 3;
export const FAMILY_BG96 = 4;

export let powerPin: i32 = sim.POWER_PIN;
export let powerLowMs: u32 = sim.POWER_LOW_MS;
export let bootMs: u32 = sim.BOOT_MS;
export let reattach: i32 = sim.REATTACH;
export let sendMax: i32 = sim.SEND_MAX;
export let sendResultMs: u32 = sim.SEND_RESULT_MS;
export let openMs: u32 = sim.OPEN_MS;
export let openErrorIsTls: bool = sim.OPEN_ERROR_IS_TLS;
export let readMax: i32 = sim.READ_MAX;
export let readTellsLeft: bool = sim.READ_TELLS_LEFT;
let family: i32 = FAMILY_SIM;

/** Binds family f (FAMILY_SIM, FAMILY_ESP, FAMILY_SIM7600, FAMILY_BG96): once, at configuration time.
 * A new family is one more block here and one more case in each function
 * below. */
export function bind(f: i32): void {
  family = f;
  if (LTE_MODEMS && f == FAMILY_SIM7600) {
    powerPin = s76.POWER_PIN;
    powerLowMs = s76.POWER_LOW_MS;
    bootMs = s76.BOOT_MS;
    reattach = s76.REATTACH;
    sendMax = s76.SEND_MAX;
    sendResultMs = s76.SEND_RESULT_MS;
    openMs = s76.OPEN_MS;
    openErrorIsTls = s76.OPEN_ERROR_IS_TLS;
    readMax = s76.READ_MAX;
    readTellsLeft = s76.READ_TELLS_LEFT;
    at.setCrLf(s76.CRLF);
    return;
  }
  if (LTE_MODEMS && f == FAMILY_BG96) {
    powerPin = bg96.POWER_PIN;
    powerLowMs = bg96.POWER_LOW_MS;
    bootMs = bg96.BOOT_MS;
    reattach = bg96.REATTACH;
    sendMax = bg96.SEND_MAX;
    sendResultMs = bg96.SEND_RESULT_MS;
    openMs = bg96.OPEN_MS;
    openErrorIsTls = bg96.OPEN_ERROR_IS_TLS;
    readMax = bg96.READ_MAX;
    readTellsLeft = bg96.READ_TELLS_LEFT;
    at.setCrLf(bg96.CRLF);
    return;
  }
  if (f == FAMILY_ESP) {
    powerPin = esp.POWER_PIN;
    powerLowMs = esp.POWER_LOW_MS;
    bootMs = esp.BOOT_MS;
    reattach = esp.REATTACH;
    sendMax = esp.SEND_MAX;
    sendResultMs = esp.SEND_RESULT_MS;
    openMs = esp.OPEN_MS;
    openErrorIsTls = esp.OPEN_ERROR_IS_TLS;
    readMax = esp.READ_MAX;
    readTellsLeft = esp.READ_TELLS_LEFT;
    at.setCrLf(esp.CRLF);
  } else {
    powerPin = sim.POWER_PIN;
    powerLowMs = sim.POWER_LOW_MS;
    bootMs = sim.BOOT_MS;
    reattach = sim.REATTACH;
    sendMax = sim.SEND_MAX;
    sendResultMs = sim.SEND_RESULT_MS;
    openMs = sim.OPEN_MS;
    openErrorIsTls = sim.OPEN_ERROR_IS_TLS;
    readMax = sim.READ_MAX;
    readTellsLeft = sim.READ_TELLS_LEFT;
    at.setCrLf(sim.CRLF);
  }
}

// ---- the bound driver's functions (driver.ts says what each does) ----
export function phase(p: i32, r: i32): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.phase(p, r) : bg96.phase(p, r);
  return family == FAMILY_ESP ? esp.phase(p, r) : sim.phase(p, r);
}
export function open(h: usize, hl: i32, port: i32): void {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) { if (family == FAMILY_SIM7600) s76.open(h, hl, port); else bg96.open(h, hl, port); return; }
  if (family == FAMILY_ESP) esp.open(h, hl, port); else sim.open(h, hl, port);
}
export function send(n: i32): void {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) { if (family == FAMILY_SIM7600) s76.send(n); else bg96.send(n); return; }
  if (family == FAMILY_ESP) esp.send(n); else sim.send(n);
}
export function close(): void {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) { if (family == FAMILY_SIM7600) s76.close(); else bg96.close(); return; }
  if (family == FAMILY_ESP) esp.close(); else sim.close();
}
export function read(len: i32): void {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) { if (family == FAMILY_SIM7600) s76.read(len); else bg96.read(len); return; }
  if (family == FAMILY_ESP) esp.read(len); else sim.read(len);
}
export function poll(): void {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) { if (family == FAMILY_SIM7600) s76.poll(); else bg96.poll(); return; }
  if (family == FAMILY_ESP) esp.poll(); else sim.poll();
}
export function polled(): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.polled() : bg96.polled();
  return family == FAMILY_ESP ? esp.polled() : sim.polled();
}
export function pulls(): bool {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.pulls() : bg96.pulls();
  return family == FAMILY_ESP ? esp.pulls() : sim.pulls();
}
export function pushedSeen(): void {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) { if (family == FAMILY_SIM7600) s76.pushedSeen(); else bg96.pushedSeen(); return; }
  if (family == FAMILY_ESP) esp.pushedSeen(); else sim.pushedSeen();
}
export function line(): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.line() : bg96.line();
  return family == FAMILY_ESP ? esp.line() : sim.line();
}
export function header(b: u8): bool {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.header(b) : bg96.header(b);
  return family == FAMILY_ESP ? esp.header(b) : sim.header(b);
}
