// The default app: when config `telemetry_s` is set, publishes uptime and
// counters as JSON every that many seconds (QoS 0, as a sensor would).
import { ascii } from "../mem/ascii";
import { millis } from "../host/abi";
import { putAscii, putUint } from "../mem/bytes";
import * as api from "./api";
import * as stats from "../mqtt/stats";
import { telemetryS, telemetryTopic, telemetryTopicLen } from "./config";

const buf: usize = memory.data(96); // the longest JSON below is 93 bytes
let next: u32 = 0;
let started: bool = false;

function field(p: usize, name: usize, v: u32): i32 {
  let n = putAscii(p, name);
  n += putUint(p + n, v);
  return n;
}

/** Runs one step; returns how long until it wants to run again. */
export function telemetryStep(): u32 {
  if (telemetryS <= 0) return 0xFFFFFFFF;
  const now = millis();
  if (!started) { started = true; next = now; }
  if (<i32>(next - now) > 0) return next - now;
  next = now + <u32>telemetryS * 1000;
  if (!api.connected()) return next - now;
  let n = field(buf, ascii("{\"uptime_ms\":"), now);
  n += field(buf + n, ascii(",\"published\":"), api.counter(stats.PUBLISHED));
  n += field(buf + n, ascii(",\"received\":"), api.counter(stats.RECEIVED));
  n += field(buf + n, ascii(",\"reconnects\":"), api.counter(stats.RECONNECTS));
  n += putAscii(buf + n, ascii("}"));
  api.publish(telemetryTopic, telemetryTopicLen, buf, n, 0, false);
  return next - now;
}
