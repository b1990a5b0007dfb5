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

export const FAMILY_SIM = 1;
export const FAMILY_ESP = 2;

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

/** Binds family f (FAMILY_SIM, FAMILY_ESP): once, at configuration time.
 * A new family is one more block here and one more case in each function
 * below. */
export function bind(f: i32): void {
  family = f;
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
export function phase(p: i32, r: i32): i32 { return family == FAMILY_ESP ? esp.phase(p, r) : sim.phase(p, r); }
export function open(h: usize, hl: i32, port: i32): void { if (family == FAMILY_ESP) esp.open(h, hl, port); else sim.open(h, hl, port); }
export function send(n: i32): void { if (family == FAMILY_ESP) esp.send(n); else sim.send(n); }
export function close(): void { if (family == FAMILY_ESP) esp.close(); else sim.close(); }
export function read(len: i32): void { if (family == FAMILY_ESP) esp.read(len); else sim.read(len); }
export function poll(): void { if (family == FAMILY_ESP) esp.poll(); else sim.poll(); }
export function polled(): i32 { return family == FAMILY_ESP ? esp.polled() : sim.polled(); }
export function pulls(): bool { return family == FAMILY_ESP ? esp.pulls() : sim.pulls(); }
export function pushedSeen(): void { if (family == FAMILY_ESP) esp.pushedSeen(); else sim.pushedSeen(); }
export function line(): i32 { return family == FAMILY_ESP ? esp.line() : sim.line(); }
export function header(b: u8): bool { return family == FAMILY_ESP ? esp.header(b) : sim.header(b); }
