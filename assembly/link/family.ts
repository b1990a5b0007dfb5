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

export const FAMILY_SIM = 1;
export const FAMILY_ESP = 2;

let family: i32 = FAMILY_SIM;

/** Binds family f (FAMILY_SIM, FAMILY_ESP): once, at configuration time.
 * A new family is one more case here and in each getter and function below. */
export function bind(f: i32): void {
  family = f;
  if (f == FAMILY_ESP) {
    at.setCrLf(esp.CRLF);
  } else {
    at.setCrLf(sim.CRLF);
  }
}

// ---- the bound driver's constants ----
export function powerPin(): i32 { return family == FAMILY_ESP ? esp.POWER_PIN : sim.POWER_PIN; }
export function powerLowMs(): u32 { return family == FAMILY_ESP ? esp.POWER_LOW_MS : sim.POWER_LOW_MS; }
export function bootMs(): u32 { return family == FAMILY_ESP ? esp.BOOT_MS : sim.BOOT_MS; }
export function reattach(): i32 { return family == FAMILY_ESP ? esp.REATTACH : sim.REATTACH; }
export function sendMax(): i32 { return family == FAMILY_ESP ? esp.SEND_MAX : sim.SEND_MAX; }
export function sendResultMs(): u32 { return family == FAMILY_ESP ? esp.SEND_RESULT_MS : sim.SEND_RESULT_MS; }
export function openMs(): u32 { return family == FAMILY_ESP ? esp.OPEN_MS : sim.OPEN_MS; }
export function openErrorIsTls(): bool { return family == FAMILY_ESP ? esp.OPEN_ERROR_IS_TLS : sim.OPEN_ERROR_IS_TLS; }
export function readMax(): i32 { return family == FAMILY_ESP ? esp.READ_MAX : sim.READ_MAX; }
export function readTellsLeft(): bool { return family == FAMILY_ESP ? esp.READ_TELLS_LEFT : sim.READ_TELLS_LEFT; }

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
