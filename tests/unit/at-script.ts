// The AT engine (assembly/link/at.ts) played from the module's side for the
// driver specs (sim800, espat, sim7600, bg96, cip, family): a family bound
// as at the end of bring-up (echo off), what the module prints fed through
// the engine's reader (which hands each line to the bound driver), and the
// exact bytes the firmware wrote. Not a spec itself.
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import * as fam from "../../assembly/link/family";
import * as modemCfg from "../../assembly/link/modemcfg";
import { ascii } from "../../assembly/mem/ascii";
import { uartReset, uartWriteLimit, modemSays, written, visible, textOf, clockAdvance, logsClear, utf8, say } from "./helpers";

const OUT: usize = memory.data(4096, 16);
const apn = utf8("internet");
const ssid = utf8("lab");
const wifiPass = utf8("secret");
export const host = utf8("broker.test");

/** A clean engine with family f bound, echo off, the usual configuration
 * (APN "internet", no APN user or password, Wi-Fi "lab" / "secret", no TLS). */
export function fresh(f: i32): void {
  uartReset();
  uartWriteLimit(0);
  logsClear();
  at.reset();
  at.clearTimeouts();
  fam.bind(f);
  at.setEchoOff(true);
  ring.clear();
  clockAdvance(1000);
  modemCfg.tls = 0;
  modemCfg.apn = apn.dataStart;
  modemCfg.apnLen = apn.length;
  modemCfg.apnUserLen = 0;
  modemCfg.apnPassLen = 0;
  modemCfg.ssid = ssid.dataStart;
  modemCfg.ssidLen = ssid.length;
  modemCfg.wifiPass = wifiPass.dataStart;
  modemCfg.wifiPassLen = wifiPass.length;
}

/** The module prints s; the engine reads it at once (no time passes). */
export function hear(s: string): void {
  modemSays(s);
  at.poll();
}

/** Asserts the exact bytes the firmware wrote since the last look. */
export function wrote(s: string): void {
  const got = visible(written());
  const want = visible(s);
  // as-pect may report a collected string; say it while it is alive
  if (got != want) say("driver spec: the firmware wrote [" + got + "], the transcript says [" + want + "]");
  expect(got).toBe(want);
}

/** The module prints s in answer to the command in flight, which must end
 * with it: its result (R_OK, R_ERROR). */
export function resultOf(s: string): i32 {
  hear(s);
  const r = at.state();
  expect(at.waiting()).toBe(false, "the answer ends the command: " + visible(s));
  return r;
}

/** The command in flight goes unanswered for exactly ms: still waiting at
 * ms, timed out 1 ms later. */
export function timesOutAfter(ms: i32): void {
  clockAdvance(ms);
  at.poll();
  expect(at.state()).toBe(at.R_WAIT, "still waiting at its limit");
  clockAdvance(1);
  at.poll();
  expect(at.state()).toBe(at.R_TIMEOUT, "timed out 1 ms after its limit");
}

/** The information line the engine kept for the last command. */
export function info(): string { return textOf(at.info, at.infoLen); }

/** What the link's receive ring holds (confirmed bytes), taken out. */
export function received(): string { return textOf(OUT, ring.rxTake(OUT, 4096)); }

/** A command with information prefix exp waits; the module prints the line
 * s: it ends nothing, and the engine keeps it as that command's information
 * line only when the driver left it alone (line() gave 0). */
export function driverTakes(exp: string, s: string): bool {
  at.reset();
  at.setEchoOff(true);
  at.begin(ascii("AT+X"));
  at.send(5000, asciiOf(exp), false, false);
  written();
  hear("\r\n" + s + "\r\n");
  return info() != s;
}

const EXP: usize = memory.data(64, 1);
/** s as a static length-prefixed ASCII text (the form ascii() gives). */
export function asciiOf(s: string): usize {
  assert(s.length < 64);
  store<u8>(EXP, <u8>s.length);
  for (let i = 0; i < s.length; i++) store<u8>(EXP + 1 + i, <u8>s.charCodeAt(i));
  return EXP;
}
