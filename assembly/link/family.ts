// The modem family bound at configuration time: the one place that knows
// which driver modules exist (the interface they share is in driver.ts).
// bind() records the family; each driver constant and function is reached
// through one test of it below (inlined by the optimizer), so modem.ts and
// at.ts never name a family.
//
// A switch per call rather than function references: measured on the
// default module (build/atmqtt.wasm, both drivers in it), the drivers
// bound through one function reference per name (call_indirect) made
// 28,195 B, the same code through the switches below 26,969 B (-1,226 B):
// behind a call_indirect wasm-opt can inline nothing, and every small
// driver function stays a function of its own with its call frame.
// The constants likewise: copied into globals at bind time they cost 140 B
// more (26,961 B against 26,821 B) than these getters.
import * as at from "./at";
import * as sim from "./sim800";
import * as esp from "./espat";
import * as s76 from "./sim7600";
import * as bg96 from "./bg96";
import { LTE_MODEMS } from "../config";

export const FAMILY_SIM = 1;
export const FAMILY_ESP = 2;
/** Not in the small profile (LTE_MODEMS false): their tests fold away. */
export const FAMILY_SIM7600 = 3;
export const FAMILY_BG96 = 4;

let family: i32 = FAMILY_SIM;

/** Binds family f (FAMILY_SIM, FAMILY_ESP, FAMILY_SIM7600, FAMILY_BG96): once, at configuration time.
 * A new family is one more case here and in each getter and function below. */
export function bind(f: i32): void {
  family = f;
  if (LTE_MODEMS && f == FAMILY_SIM7600) at.setCrLf(s76.CRLF);
  else if (LTE_MODEMS && f == FAMILY_BG96) at.setCrLf(bg96.CRLF);
  else if (f == FAMILY_ESP) {
    at.setCrLf(esp.CRLF);
  } else {
    at.setCrLf(sim.CRLF);
  }
}

// ---- the bound driver's constants ----
export function powerPin(): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.POWER_PIN : bg96.POWER_PIN;
  return family == FAMILY_ESP ? esp.POWER_PIN : sim.POWER_PIN;
}
export function powerLowMs(): u32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.POWER_LOW_MS : bg96.POWER_LOW_MS;
  return family == FAMILY_ESP ? esp.POWER_LOW_MS : sim.POWER_LOW_MS;
}
export function bootMs(): u32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.BOOT_MS : bg96.BOOT_MS;
  return family == FAMILY_ESP ? esp.BOOT_MS : sim.BOOT_MS;
}
export function reattach(): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.REATTACH : bg96.REATTACH;
  return family == FAMILY_ESP ? esp.REATTACH : sim.REATTACH;
}
export function sendMax(): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.SEND_MAX : bg96.SEND_MAX;
  return family == FAMILY_ESP ? esp.SEND_MAX : sim.SEND_MAX;
}
export function sendResultMs(): u32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.SEND_RESULT_MS : bg96.SEND_RESULT_MS;
  return family == FAMILY_ESP ? esp.SEND_RESULT_MS : sim.SEND_RESULT_MS;
}
export function openMs(): u32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.OPEN_MS : bg96.OPEN_MS;
  return family == FAMILY_ESP ? esp.OPEN_MS : sim.OPEN_MS;
}
export function openErrorIsTls(): bool {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.OPEN_ERROR_IS_TLS : bg96.OPEN_ERROR_IS_TLS;
  return family == FAMILY_ESP ? esp.OPEN_ERROR_IS_TLS : sim.OPEN_ERROR_IS_TLS;
}
export function readMax(): i32 {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.READ_MAX : bg96.READ_MAX;
  return family == FAMILY_ESP ? esp.READ_MAX : sim.READ_MAX;
}
export function readTellsLeft(): bool {
  if (LTE_MODEMS && family >= FAMILY_SIM7600) return family == FAMILY_SIM7600 ? s76.READ_TELLS_LEFT : bg96.READ_TELLS_LEFT;
  return family == FAMILY_ESP ? esp.READ_TELLS_LEFT : sim.READ_TELLS_LEFT;
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
