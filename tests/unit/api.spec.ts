// The app API's MQTT calls (assembly/app/api.ts, hooks.ts) against the
// scripted broker of tests/unit/scripted-host.js: a subscription made
// before the first connect, renewed on each new session; handlers get
// views and may publish; overflowed writers are refused; the will; the
// connect hooks.
import { utf8, cat, str, textOf } from "./helpers";
import * as S from "../../assembly/mqtt/session";
import * as ob from "../../assembly/mqtt/outbox";
import * as router from "../../assembly/mqtt/router";
import * as q2 from "../../assembly/mqtt/inbound";
import * as E from "../../assembly/errors";
import { optionsDefaults } from "../../assembly/mqtt/options";
import { hostMessage } from "../../assembly/host/abi";
import { onEvent } from "../../assembly/host/events";
import { ascii } from "../../assembly/mem/ascii";
import { View, viewOf } from "../../assembly/app/view";
import { Writer } from "../../assembly/app/writer";
import { publish, publishTo, subscribe, unsubscribe, setWill, setWillTo, hasWill, workBuffer } from "../../assembly/app/api";
import { onConnect, onDisconnect } from "../../assembly/app/hooks";

@external("broker", "reset") declare function bReset(): void;
@external("broker", "set") declare function bSet(key: i32, value: i32): void;
@external("broker", "advance") declare function bAdvance(ms: i32): void;
@external("broker", "inject") declare function bInject(p: usize, n: i32): void;
@external("broker", "peer_close") declare function bPeerClose(): void;
@external("broker", "count_type") declare function bCountType(t: i32): i32;
@external("broker", "message_count") declare function bMessageCount(): i32;

const SESSION_PRESENT = 2;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

const hostName = utf8("broker.test");
const clientName = utf8("dev-api");

function toHost(t: usize, tl: i32, p: usize, pl: i32, flags: i32): void { hostMessage(t, tl, p, pl, flags); }

function run(ms: i32): void {
  for (let t = 0; t < ms; t += 10) { S.poll(); bAdvance(10); }
  S.poll();
}

function configure(): void {
  optionsDefaults(S.opts);
  S.opts.host = hostName.dataStart;
  S.opts.hostLen = <i16>hostName.length;
  S.opts.port = 1883;
  S.opts.clientId = clientName.dataStart;
  S.opts.clientIdLen = clientName.length;
  S.opts.clean = true;
  S.opts.keepAlive = 60;
  S.opts.userLen = -1;
  S.opts.passLen = -1;
  S.opts.willTopicLen = -1;
  router.setHostSink(toHost);
}

function fresh(): void {
  S.stop();
  for (let k = 0; k < 200 && S.state() != S.ST_IDLE; k++) { S.poll(); bAdvance(10); }
  ob.clear();
  router.clear();
  q2.clear();
  onEvent(null);
  bReset();
  configure();
}

function inject(topic: string, payload: string): void {
  const t = utf8(topic);
  const body = cat([[<u8>(t.length >> 8), <u8>t.length], t, utf8(payload)]);
  const a = cat([[0x30, <u8>body.length], body]);
  bInject(a.dataStart, a.length);
}

let got: i32 = 0;
let gotTopic: string = "";
let gotPayload: string = "";
function record(topic: View, payload: View): void {
  got++;
  gotTopic = textOf(topic.ptr, topic.len);
  gotPayload = textOf(payload.ptr, payload.len);
}
/** Echoes each message to echo/<payload>: a handler that publishes. */
function echo(topic: View, payload: View): void {
  got++;
  const t = Writer.over(workBuffer(), 64).text(ascii("echo/")).bytes(payload);
  publishTo(t, payload, 1, false);
}

let ups: i32 = 0;
let lastPresent: bool = false;
let downs: i32 = 0;
let lastError: i32 = 1;
function up(present: bool): void { ups++; lastPresent = present; }
function down(error: i32): void { downs++; lastError = error; }

describe("app API", () => {
  beforeEach(fresh);

  test("subscribe before the first connect: sent after CONNECT and again on every new session", () => {
    expect(subscribe(ascii("cmd/#"), 1, record)).toBeGreaterThan(0);
    S.start();
    run(100);
    expect(S.connected()).toBe(true);
    expect(bCountType(SUBSCRIBE)).toBe(1);
    bPeerClose();
    run(2000);
    expect(S.connected()).toBe(true);
    expect(bCountType(SUBSCRIBE)).toBe(2);
    // a session present: the broker kept it, nothing to renew
    bSet(SESSION_PRESENT, 1);
    bPeerClose();
    run(4000);
    expect(S.connected()).toBe(true);
    expect(bCountType(SUBSCRIBE)).toBe(2);
  });

  test("a handler gets the topic and payload as views, and only its messages", () => {
    subscribe(ascii("cmd/+"), 0, record);
    S.start();
    run(100);
    got = 0;
    inject("cmd/x", "hello");
    run(20);
    expect(got).toBe(1);
    expect(gotTopic).toBe("cmd/x");
    expect(gotPayload).toBe("hello");
    expect(bMessageCount()).toBe(0); // the app took it, not the host
    inject("other", "x");
    run(20);
    expect(got).toBe(1);
    expect(bMessageCount()).toBe(1);
  });

  test("a handler may publish", () => {
    subscribe(ascii("in"), 1, echo);
    S.start();
    run(100);
    got = 0;
    const before = bCountType(PUBLISH);
    inject("in", "abc");
    run(50);
    expect(got).toBe(1);
    expect(bCountType(PUBLISH)).toBe(before + 1);
  });

  test("unsubscribe stops the handler", () => {
    subscribe(ascii("u/1"), 0, record);
    S.start();
    run(100);
    expect(unsubscribe(ascii("u/1"))).toBeGreaterThan(0);
    run(50);
    expect(bCountType(UNSUBSCRIBE)).toBe(1);
    got = 0;
    inject("u/1", "x");
    run(20);
    expect(got).toBe(0);
  });

  test("publish: ids and errors; an overflowed writer is refused", () => {
    expect(publish(ascii("t/0"), viewOf(ascii("x")))).toBe(0);
    expect(publish(ascii("t/1"), viewOf(ascii("x")), 1)).toBeGreaterThan(0);
    expect(publish(ascii("t/1"), viewOf(ascii("x")), 3)).toBe(E.E_BAD_QOS);
    expect(publish(ascii("t/#"), viewOf(ascii("x")))).toBe(E.E_BAD_TOPIC);
    const w = Writer.over(memory.data(16), 16).text(ascii("too long for four"));
    expect(w.overflowed()).toBe(true);
    expect(publish(ascii("t/2"), w)).toBe(E.E_BAD_ARGUMENT);
    expect(publishTo(w, viewOf(ascii("x")))).toBe(E.E_BAD_TOPIC);
    expect(subscribe(ascii(""), 0, record)).toBe(E.E_BAD_TOPIC);
  });

  test("setWill keeps the ascii texts, setWillTo copies; hasWill", () => {
    expect(hasWill()).toBe(false);
    expect(setWill(ascii("dev/status"), ascii("offline"), 1, true)).toBe(E.OK);
    expect(hasWill()).toBe(true);
    expect(textOf(S.opts.willTopic, S.opts.willTopicLen)).toBe("dev/status");
    expect(textOf(S.opts.willPayload, S.opts.willPayloadLen)).toBe("offline");
    expect(S.opts.willQos).toBe(1);
    expect(S.opts.willRetain).toBe(true);
    const t = Writer.over(workBuffer(), 40).text(ascii("built/")).text(ascii("status"));
    expect(setWillTo(t, viewOf(ascii("gone")), 0, false)).toBe(E.OK);
    t.clear().text(ascii("overwritten"));
    expect(textOf(S.opts.willTopic, S.opts.willTopicLen)).toBe("built/status");
    expect(setWill(ascii("x"), ascii("y"), 3, false)).toBe(E.E_BAD_QOS);
  });

  test("onConnect and onDisconnect: session present and the error", () => {
    ups = downs = 0;
    onConnect(up);
    onDisconnect(down);
    S.start();
    run(100);
    expect(ups).toBe(1);
    expect(lastPresent).toBe(false);
    bPeerClose();
    run(20);
    expect(downs).toBe(1);
    expect(lastError).toBe(E.E_LINK_CLOSED);
    run(2000);
    expect(ups).toBe(2);
    S.stop();
    run(100);
    expect(downs).toBe(2);
    expect(lastError).toBe(0);
  });
});
