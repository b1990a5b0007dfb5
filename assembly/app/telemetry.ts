// The default app, on when config `telemetry_s` is set. Its topics share
// the telemetry topic's parent (`atmqtt/<client id>/` by default):
//   telemetry  readings and counters as JSON every telemetry_s (QoS 0)
//   status     `online` retained on every connect; the will sets `offline`
//   cmd        commands, subscribed at QoS 1: `read`, `interval N`, `output 0|1`
//   reply      `ok <command>` / `error <command>` for each (QoS 1)
// Readings come from the host (set_reading); a channel never set is left
// out. Scratch space is the API buffer: nothing here runs while a host call
// is using it, so the app costs no RAM of its own.
import { ascii } from "../mem/ascii";
import * as C from "../config";
import { millis, gpioWrite } from "../host/abi";
import { putAscii, putUint, parseUint, startsAscii, equalsAscii } from "../mem/bytes";
import * as S from "../mqtt/session";
import * as stats from "../mqtt/stats";
import { telemetryS, telemetryTopic, telemetryTopicLen, setTelemetryS, appBaseLen } from "./config";

export const READINGS = 3;
const UNSET: i32 = i32.MIN_VALUE;
let reading0: i32 = UNSET; // temperature, tenths of °C
let reading1: i32 = UNSET; // relative humidity, tenths of %
let reading2: i32 = UNSET; // battery, mV
let output: i32 = 0;
let next: u32 = 0;
let started: bool = false;
let wasUp: bool = false;
let subscribed: bool = false;
let scratch: usize = 0;

export function setScratch(p: usize): void { scratch = p; }

/** A host reading: channel 0 temperature (0.1 °C), 1 humidity (0.1 %), 2 battery (mV). */
export function setReading(ch: i32, v: i32): void {
  if (ch == 0) reading0 = v;
  else if (ch == 1) reading1 = v;
  else if (ch == 2) reading2 = v;
}

/** The sibling topic `<parent>/<leaf>` in the scratch; returns its length. */
function topic(leaf: usize): i32 {
  memory.copy(scratch, telemetryTopic, appBaseLen);
  return appBaseLen + putAscii(scratch + appBaseLen, leaf);
}

function tenths(p: usize, v: i32): i32 {
  let n = 0;
  if (v < 0) { store<u8>(p, 0x2D); n = 1; v = -v; }
  n += putUint(p + n, <u32>(v / 10));
  store<u8>(p + n, 0x2E);
  store<u8>(p + n + 1, <u8>(48 + v % 10));
  return n + 2;
}

function field(p: usize, name: usize, v: i32, tenth: bool): i32 {
  if (v == UNSET) return 0;
  const n = putAscii(p, name);
  return n + (tenth ? tenths(p + n, v) : putUint(p + n, <u32>v));
}

function publishTelemetry(now: u32): void {
  const p = scratch;
  let n = putAscii(p, ascii("{\"uptime_ms\":"));
  n += putUint(p + n, now);
  n += field(p + n, ascii(",\"temperature\":"), reading0, true);
  n += field(p + n, ascii(",\"humidity\":"), reading1, true);
  n += field(p + n, ascii(",\"battery\":"), reading2, false);
  n += field(p + n, ascii(",\"output\":"), output, false);
  n += field(p + n, ascii(",\"reconnects\":"), <i32>stats.get(stats.RECONNECTS), false);
  n += putAscii(p + n, ascii("}"));
  S.publish(telemetryTopic, telemetryTopicLen, p, n, 0, false);
}

/** The reply to a command: `ok|error <command>` on <parent>/reply. */
function reply(ok: bool, cmd: usize, n: i32): void {
  const tl = topic(ascii("reply"));
  const p = scratch + tl;
  let k = putAscii(p, ok ? ascii("ok ") : ascii("error "));
  const c = min(n, 48);
  memory.copy(p + k, cmd, c);
  S.publish(scratch, tl, p, k + c, 1, false);
}

/** Handler of <parent>/cmd (the router calls it). */
function onCommand(t: usize, tl: i32, p: usize, n: i32, flags: i32): void {
  let ok = true;
  if (equalsAscii(p, n, ascii("read"))) {
    publishTelemetry(millis());
  } else if (startsAscii(p, n, ascii("interval ")) && n > 9) {
    const s = parseUint(p + 9, n - 9);
    ok = s >= 1 && s <= 86400;
    if (ok) { setTelemetryS(s); next = millis(); }
  } else if (n == 8 && startsAscii(p, n, ascii("output ")) && (load<u8>(p + 7) | 1) == 0x31) {
    output = load<u8>(p + 7) - 0x30;
    gpioWrite(C.PIN_OUTPUT, output);
  } else {
    ok = false;
  }
  reply(ok, p, n);
}

/** Runs one step; returns how long until it wants to run again. */
export function telemetryStep(): u32 {
  if (telemetryS <= 0) return 0xFFFFFFFF;
  const now = millis();
  if (!started) { started = true; next = now; }
  const up = S.connected();
  if (up && !wasUp) {
    // the retained status a dashboard reads; the will replaces it with offline
    const tl = topic(ascii("status"));
    S.publish(scratch, tl, scratch + tl, putAscii(scratch + tl, ascii("online")), 1, true);
    if (!subscribed) {
      // [u16 len][filter][qos 1] in the scratch; the router keeps it across sessions
      const fl = topic(ascii("cmd"));
      memory.copy(scratch + 2, scratch, fl);
      store<u8>(scratch, <u8>(fl >> 8));
      store<u8>(scratch + 1, <u8>fl);
      store<u8>(scratch + 2 + fl, 1);
      subscribed = S.subscribe(scratch, fl + 3, changetype<usize>(onCommand)) >= 0;
    }
  }
  wasUp = up;
  if (<i32>(next - now) > 0) return next - now;
  next = now + <u32>telemetryS * 1000;
  if (up) publishTelemetry(now);
  return next - now;
}
