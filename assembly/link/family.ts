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
//
// The families compiled in are config.ts's HAS_* (ATMQTT_MODEMS at build
// time): the tests lte(), is76() and isEsp() are constants where the build
// leaves no choice, so a one-family module calls its driver with no test,
// and a family left out is a stand-in (driver-absent.ts) never reached.
import * as at from "./at";
import * as sim from "./sim800";
import * as esp from "./espat";
import * as s76 from "./sim7600";
import * as bg96 from "./bg96";
import { LTE_MODEMS, ONE_MODEM, HAS_SIM800, HAS_ESP, HAS_SIM7600, HAS_BG96 } from "../config";

export const FAMILY_SIM = 1;
export const FAMILY_ESP = 2;
/** Not in the small profile (LTE_MODEMS false): their tests fold away. */
export const FAMILY_SIM7600 = 3;
export const FAMILY_BG96 = 4;

let family: i32 = FAMILY_SIM;

/** The bound family is an LTE one (SIM7600, BG96). */
// @ts-ignore: decorator
@inline function lte(): bool { return LTE_MODEMS && (ONE_MODEM || family >= FAMILY_SIM7600); }
/** Of the LTE ones, SIM7600 (else BG96). */
// @ts-ignore: decorator
@inline function is76(): bool { return HAS_SIM7600 && (!HAS_BG96 || family == FAMILY_SIM7600); }
/** Of the others, ESP-AT (else SIM800). */
// @ts-ignore: decorator
@inline function isEsp(): bool { return HAS_ESP && (!HAS_SIM800 || family == FAMILY_ESP); }

/** Binds family f (FAMILY_SIM, FAMILY_ESP, FAMILY_SIM7600, FAMILY_BG96), one
 * compiled in (link.ts refuses the others): once, at configuration time.
 * A new family is one more HAS_* flag and case here and in each getter and
 * function below. */
export function bind(f: i32): void {
  family = f;
  if (lte()) {
    if (is76()) at.setCrLf(s76.CRLF); else at.setCrLf(bg96.CRLF);
  } else if (isEsp()) {
    at.setCrLf(esp.CRLF);
  } else {
    at.setCrLf(sim.CRLF);
  }
}

// ---- the bound driver's constants ----
export function powerPin(): i32 {
  if (lte()) return is76() ? s76.POWER_PIN : bg96.POWER_PIN;
  return isEsp() ? esp.POWER_PIN : sim.POWER_PIN;
}
export function powerLowMs(): u32 {
  if (lte()) return is76() ? s76.POWER_LOW_MS : bg96.POWER_LOW_MS;
  return isEsp() ? esp.POWER_LOW_MS : sim.POWER_LOW_MS;
}
export function bootMs(): u32 {
  if (lte()) return is76() ? s76.BOOT_MS : bg96.BOOT_MS;
  return isEsp() ? esp.BOOT_MS : sim.BOOT_MS;
}
export function reattach(): i32 {
  if (lte()) return is76() ? s76.REATTACH : bg96.REATTACH;
  return isEsp() ? esp.REATTACH : sim.REATTACH;
}
export function sendMax(): i32 {
  if (lte()) return is76() ? s76.SEND_MAX : bg96.SEND_MAX;
  return isEsp() ? esp.SEND_MAX : sim.SEND_MAX;
}
export function sendResultMs(): u32 {
  if (lte()) return is76() ? s76.SEND_RESULT_MS : bg96.SEND_RESULT_MS;
  return isEsp() ? esp.SEND_RESULT_MS : sim.SEND_RESULT_MS;
}
export function openMs(): u32 {
  if (lte()) return is76() ? s76.OPEN_MS : bg96.OPEN_MS;
  return isEsp() ? esp.OPEN_MS : sim.OPEN_MS;
}
export function openErrorIsTls(): bool {
  if (lte()) return is76() ? s76.OPEN_ERROR_IS_TLS : bg96.OPEN_ERROR_IS_TLS;
  return isEsp() ? esp.OPEN_ERROR_IS_TLS : sim.OPEN_ERROR_IS_TLS;
}
export function readMax(): i32 {
  if (lte()) return is76() ? s76.READ_MAX : bg96.READ_MAX;
  return isEsp() ? esp.READ_MAX : sim.READ_MAX;
}
export function readTellsLeft(): bool {
  if (lte()) return is76() ? s76.READ_TELLS_LEFT : bg96.READ_TELLS_LEFT;
  return isEsp() ? esp.READ_TELLS_LEFT : sim.READ_TELLS_LEFT;
}

// ---- the bound driver's functions (driver.ts says what each does) ----
export function phase(p: i32, r: i32): i32 {
  if (lte()) return is76() ? s76.phase(p, r) : bg96.phase(p, r);
  return isEsp() ? esp.phase(p, r) : sim.phase(p, r);
}
export function open(h: usize, hl: i32, port: i32): void {
  if (lte()) { if (is76()) s76.open(h, hl, port); else bg96.open(h, hl, port); return; }
  if (isEsp()) esp.open(h, hl, port); else sim.open(h, hl, port);
}
export function send(n: i32): void {
  if (lte()) { if (is76()) s76.send(n); else bg96.send(n); return; }
  if (isEsp()) esp.send(n); else sim.send(n);
}
export function close(): void {
  if (lte()) { if (is76()) s76.close(); else bg96.close(); return; }
  if (isEsp()) esp.close(); else sim.close();
}
export function read(len: i32): void {
  if (lte()) { if (is76()) s76.read(len); else bg96.read(len); return; }
  if (isEsp()) esp.read(len); else sim.read(len);
}
export function poll(): void {
  if (lte()) { if (is76()) s76.poll(); else bg96.poll(); return; }
  if (isEsp()) esp.poll(); else sim.poll();
}
export function polled(): i32 {
  if (lte()) return is76() ? s76.polled() : bg96.polled();
  return isEsp() ? esp.polled() : sim.polled();
}
export function pulls(): bool {
  if (lte()) return is76() ? s76.pulls() : bg96.pulls();
  return isEsp() ? esp.pulls() : sim.pulls();
}
export function pushedSeen(): void {
  if (lte()) { if (is76()) s76.pushedSeen(); else bg96.pushedSeen(); return; }
  if (isEsp()) esp.pushedSeen(); else sim.pushedSeen();
}
export function line(): i32 {
  if (lte()) return is76() ? s76.line() : bg96.line();
  return isEsp() ? esp.line() : sim.line();
}
export function header(b: u8): bool {
  if (lte()) return is76() ? s76.header(b) : bg96.header(b);
  return isEsp() ? esp.header(b) : sim.header(b);
}
