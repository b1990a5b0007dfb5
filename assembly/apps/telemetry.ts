// The default app, on when config `telemetry_s` (key 11) is set. Written on
// the public app API alone (../sdk), as a user's app would be. Its topics
// share the telemetry topic's parent (`atmqtt/<client id>/` by default):
//   telemetry  readings and counters as JSON every telemetry_s (QoS 0)
//   status     `online` retained on every connect; the will sets `offline`
//   cmd        commands, subscribed at QoS 1: `read`, `interval N`, `output 0|1`
//   reply      `ok <command>` / `error <command>` for each (QoS 1)
// Readings come from the host (set_reading); a channel never set is left
// out. Topics and payloads are built in the work buffer.
import {
  ascii, View, Writer, viewOf, publishTo, subscribeTo, setWillTo, hasWill, onConnect,
  every, cancel, connected, counter, RECONNECTS, reading, NO_READING, configInt,
  configText, clientId, workBuffer, WORK_BYTES, logError, pinMode, pinWrite, OUTPUT, millis, SMALL,
} from "../sdk";

const KEY_TELEMETRY_S = 11;
const KEY_TELEMETRY_TOPIC = 12;
/** The switched output (`output 0|1`). */
const PIN_OUTPUT = 6;
const TOPIC_BYTES: i32 = SMALL ? 48 : 64;
/** The topic writer's capacity: a sibling (`status`, `reply`) of the
 * longest telemetry topic still fits. */
const TOPIC_ROOM: i32 = TOPIC_BYTES + 8;
/** The longest command echoed in a reply. */
const ECHO = 48;

// The topics are made again for each message, from the configuration or
// the client id: the app keeps no topic in RAM.
let baseLen: i32 = 0;
let timer: i32 = -1;
let output: i32 = 0;

/** The telemetry topic in the work buffer's first part: configured, or
 * `atmqtt/<client id>/telemetry`; overflowed when it does not fit. */
function topic(): Writer {
  const w = Writer.over(workBuffer(), TOPIC_ROOM + Writer.HEADER);
  if (!configText(KEY_TELEMETRY_TOPIC, w)) {
    const id = clientId();
    w.text(ascii("atmqtt/"));
    // keep the id's start when it is too long for the topic
    for (let i = 0; i < id.len && i < TOPIC_BYTES - 17; i++) w.char(id.at(i));
    w.text(ascii("/telemetry"));
  }
  return w;
}

/** The sibling topic `<parent>/<leaf>` in the work buffer's first part. */
function sibling(leaf: usize): Writer {
  const w = topic();
  w.len = baseLen;
  return w.text(leaf);
}

/** A payload writer over the rest of the work buffer. */
function payload(): Writer {
  return Writer.over(workBuffer() + TOPIC_ROOM + Writer.HEADER, WORK_BYTES - TOPIC_ROOM - Writer.HEADER);
}

function field(w: Writer, name: usize, v: i32, tenths: bool): void {
  if (v == NO_READING) return;
  if (tenths) w.keyFixed(name, v, 1);
  else w.keyInt(name, v);
}

function publishTelemetry(): void {
  const w = payload().begin();
  w.key(ascii("uptime_ms")).uint(millis());
  field(w, ascii("temperature"), reading(0), true);
  field(w, ascii("humidity"), reading(1), true);
  field(w, ascii("battery"), reading(2), false);
  w.keyInt(ascii("output"), output);
  w.keyInt(ascii("reconnects"), <i32>counter(RECONNECTS));
  publishTo(topic(), w.end(), 0, false);
}

function tick(): void {
  if (connected()) publishTelemetry();
}

function reply(ok: bool, cmd: View): void {
  const w = payload().text(ok ? ascii("ok ") : ascii("error "));
  const n = min(cmd.len, ECHO);
  for (let i = 0; i < n; i++) w.char(cmd.at(i));
  publishTo(sibling(ascii("reply")), w, 1, false);
}

/** Handler of <parent>cmd. */
function onCommand(t: View, p: View): void {
  let ok = true;
  let now = false;
  if (p.equals(ascii("read"))) {
    publishTelemetry();
  } else if (p.startsWith(ascii("interval ")) && p.len > 9) {
    const s = p.intAt(9, -1);
    ok = s >= 1 && s <= 86400;
    if (ok) { start(s); now = true; }
  } else if (p.len == 8 && p.startsWith(ascii("output ")) && (p.at(7) | 1) == 0x31) {
    output = p.at(7) - 0x30;
    pinWrite(PIN_OUTPUT, output);
  } else {
    ok = false;
  }
  reply(ok, p);
  // a new interval starts with a reading, after the reply
  if (now) publishTelemetry();
}

function start(s: i32): void {
  cancel(timer);
  timer = every(<u32>s * 1000, tick);
}

/** The retained status a dashboard reads; the will replaces it with offline. */
function online(sessionPresent: bool): void {
  publishTo(sibling(ascii("status")), viewOf(ascii("online")), 1, true);
}

export function setup(): void {
  const s = configInt(KEY_TELEMETRY_S, 0);
  if (s < 0 || s > 86400) { logError(ascii("telemetry: bad config")); return; }
  if (s == 0) return;
  const t = topic();
  if (t.overflowed() || t.len == 0 || t.len > TOPIC_BYTES) { logError(ascii("telemetry: bad config")); return; }
  baseLen = t.len;
  while (baseLen > 0 && t.at(baseLen - 1) != 0x2F) baseLen--;
  if (!hasWill() && setWillTo(sibling(ascii("status")), viewOf(ascii("offline")), 1, true) < 0) {
    logError(ascii("telemetry: bad config"));
  }
  pinMode(PIN_OUTPUT, OUTPUT);
  onConnect(online);
  // before the first connect: the firmware subscribes on every new session
  if (subscribeTo(sibling(ascii("cmd")), 1, onCommand) < 0) logError(ascii("telemetry: bad config"));
  start(s);
}
