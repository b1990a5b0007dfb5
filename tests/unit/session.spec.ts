// The session state machine (assembly/mqtt/session.ts) against a scripted
// broker: the host imports and the "broker" control module come from
// tests/unit/scripted-host.js through as-pect.config.js. Time only moves
// when the spec moves it.
import { utf8, cat, str, fill, hex, connectOptions } from "./helpers";
import * as S from "../../assembly/mqtt/session";
import * as ob from "../../assembly/mqtt/outbox";
import * as router from "../../assembly/mqtt/router";
import * as q2 from "../../assembly/mqtt/inbound";
import * as stats from "../../assembly/mqtt/stats";
import { encodeConnect } from "../../assembly/mqtt/codec/encode";
import { hostMessage } from "../../assembly/host/abi";
import * as E from "../../assembly/errors";
import { MAX_INFLIGHT } from "../../assembly/config";
import { optionsDefaults } from "../../assembly/mqtt/options";
import { onEvent } from "../../assembly/host/events";

@external("broker", "reset") declare function bReset(): void;
@external("broker", "set") declare function bSet(key: i32, value: i32): void;
@external("broker", "advance") declare function bAdvance(ms: i32): void;
@external("broker", "now") declare function bNow(): u32;
@external("broker", "inject") declare function bInject(p: usize, n: i32): void;
@external("broker", "peer_close") declare function bPeerClose(): void;
@external("broker", "link_state") declare function bLinkState(): i32;
@external("broker", "opens") declare function bOpens(): i32;
@external("broker", "sent_count") declare function bSentCount(): i32;
@external("broker", "sent_type") declare function bSentType(i: i32): i32;
@external("broker", "sent_flags") declare function bSentFlags(i: i32): i32;
@external("broker", "sent_id") declare function bSentId(i: i32): i32;
@external("broker", "sent_copy") declare function bSentCopy(i: i32, p: usize, max: i32): i32;
@external("broker", "count_type") declare function bCountType(t: i32): i32;
@external("broker", "count_event") declare function bCountEvent(kind: i32): i32;
@external("broker", "last_event_a") declare function bLastEventA(kind: i32): i32;
@external("broker", "last_event_b") declare function bLastEventB(kind: i32): i32;
@external("broker", "message_count") declare function bMessageCount(): i32;
@external("broker", "message_flags") declare function bMessageFlags(i: i32): i32;
@external("broker", "message_payload") declare function bMessagePayload(i: i32, p: usize, max: i32): i32;

// broker.set keys (scripted-host.js KEY)
const AUTO_CONNACK = 0;
const CONNACK_CODE = 1;
const SESSION_PRESENT = 2;
const AUTO_ACK = 3;
const ANSWER_PING = 4;
const GRANT = 5;
const WRITE_LIMIT = 7;
const CLOSE_ON_DISCONNECT = 9;

// host events (board/ABI.md)
const EV_CONNECTED = 1;
const EV_DISCONNECTED = 2;
const EV_SUBSCRIBED = 3;
const EV_PUBLISHED = 5;
const EV_ERROR = 6;

// packet types
const CONNECT = 1;
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const PUBREL = 6;
const PUBCOMP = 7;
const SUBSCRIBE = 8;
const PINGREQ = 12;
const DISCONNECT = 14;

const hostName = utf8("broker.test");
const clientName = utf8("dev-1");
const topicA = utf8("t/a");
const copyBuf: usize = memory.data(4096, 16);

function toHost(t: usize, tl: i32, p: usize, pl: i32, flags: i32): void {
  hostMessage(t, tl, p, pl, flags);
}

/** Polls the session every `step` ms for `ms` ms of spec time. */
function run(ms: i32, step: i32 = 10): void {
  for (let t = 0; t < ms; t += step) {
    S.poll();
    bAdvance(step);
  }
  S.poll();
}

function configure(keepAlive: i32): void {
  optionsDefaults(S.opts);
  S.opts.host = hostName.dataStart;
  S.opts.hostLen = <i16>hostName.length;
  S.opts.port = 1883;
  S.opts.clientId = clientName.dataStart;
  S.opts.clientIdLen = clientName.length;
  S.opts.clean = true;
  S.opts.keepAlive = keepAlive;
  S.opts.userLen = -1;
  S.opts.passLen = -1;
  S.opts.willTopicLen = -1;
  router.setHostSink(toHost);
}

/** Starts the session and runs until CONNACK is in. */
function connect(keepAlive: i32 = 60): void {
  configure(keepAlive);
  S.start();
  run(50);
}

/** Everything back to idle: session stopped, pools empty, broker fresh. */
function fresh(): void {
  S.stop();
  for (let k = 0; k < 200 && S.state() != S.ST_IDLE; k++) { S.poll(); bAdvance(10); }
  ob.clear();
  router.clear();
  q2.clear();
  bReset();
}

/** A packet from a first byte and a body (remaining length < 16384). */
function packet(first: u8, body: u8[]): u8[] {
  const n = body.length;
  const len: u8[] = n < 128 ? [<u8>n] : [<u8>((n & 0x7f) | 0x80), <u8>(n >> 7)];
  return cat([[first], len, body]);
}

function inject(a: u8[]): void { bInject(a.dataStart, a.length); }

function publish(qos: i32, payload: u8[]): i32 {
  return S.publish(topicA.dataStart, topicA.length, payload.dataStart, payload.length, qos, false);
}

/** Index of the k-th (0-based) packet of type t the client sent, or -1. */
function nth(t: i32, k: i32): i32 {
  let seen = 0;
  for (let i = 0; i < bSentCount(); i++) {
    if (bSentType(i) == t) {
      if (seen == k) return i;
      seen++;
    }
  }
  return -1;
}

describe("session: CONNECT / CONNACK", () => {
  beforeEach(fresh);

  it("opens the link, sends exactly the CONNECT the codec encodes, and is connected on CONNACK", () => {
    connect(30);
    expect(bOpens()).toBe(1);
    expect(bSentType(0)).toBe(CONNECT);
    const want = encodeConnect(copyBuf + 2048, 2048, connectOptions(clientName.dataStart, clientName.length, true, 30, 0, -1, 0, -1, 0, -1, 0, 0, 0, false));
    const n = bSentCopy(0, copyBuf, 2048);
    expect(n).toBe(want);
    expect(hex(copyBuf, n)).toBe(hex(copyBuf + 2048, want));
    expect(S.state()).toBe(S.ST_CONNECTED);
    expect(bCountEvent(EV_CONNECTED)).toBe(1);
    expect(bLastEventA(EV_CONNECTED)).toBe(0);
  });

  it("reports session present", () => {
    bSet(SESSION_PRESENT, 1);
    connect();
    expect(S.state()).toBe(S.ST_CONNECTED);
    expect(bLastEventA(EV_CONNECTED)).toBe(1);
  });

  it("a refused CONNACK closes the link, reports the code, and retries after the backoff", () => {
    bSet(CONNACK_CODE, 5);
    connect();
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bCountEvent(EV_CONNECTED)).toBe(0);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_REFUSED);
    expect(bLastEventB(EV_ERROR)).toBe(5);
    expect(bLinkState()).toBeLessThan(0); // closed by the client
    expect(bCountEvent(EV_DISCONNECTED)).toBe(0); // never was connected
    bSet(CONNACK_CODE, 0);
    run(900);
    expect(bOpens()).toBe(1); // the first backoff is 1000..1250 ms
    run(500);
    expect(bOpens()).toBe(2);
    expect(S.state()).toBe(S.ST_CONNECTED);
  });

  it("refused credentials (CONNACK 5) are retried at most about 20 times an hour, never in a hot loop", () => {
    bSet(CONNACK_CODE, 5);
    connect();
    run(3600 * 1000 - 50, 1000);
    const n = bOpens();
    // 1, 2, 4 ... 256 s, then every 300-375 s: 9 + at most 10 more
    expect(n).toBeGreaterThanOrEqual(12);
    expect(n).toBeLessThanOrEqual(20);
    expect(bCountEvent(EV_CONNECTED)).toBe(0);
  });

  it("a broker that is unavailable (CONNACK 3) keeps the usual 60 s ceiling", () => {
    bSet(CONNACK_CODE, 3);
    connect();
    run(3600 * 1000 - 50, 1000);
    // 1 ... 32 s, then every 60-75 s
    expect(bOpens()).toBeGreaterThan(40);
    // accepted at last: the ceiling is the usual one again for later failures
    bSet(CONNACK_CODE, 0);
    run(80 * 1000, 1000);
    expect(S.state()).toBe(S.ST_CONNECTED);
  });

  it("no CONNACK within the timeout fails the attempt", () => {
    bSet(AUTO_CONNACK, 0);
    connect();
    expect(S.state()).toBe(S.ST_CONNACK);
    run(9800);
    expect(S.state()).toBe(S.ST_CONNACK);
    run(300);
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_CONNACK_TIMEOUT);
  });

  it("a packet other than CONNACK first is unexpected", () => {
    bSet(AUTO_CONNACK, 0);
    connect();
    inject([0xd0, 0x00]);
    run(20);
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_UNEXPECTED);
    expect(bLastEventB(EV_ERROR)).toBe(13);
  });

  it("disconnect sends DISCONNECT and goes idle", () => {
    connect();
    S.stop();
    run(50);
    expect(S.state()).toBe(S.ST_IDLE);
    expect(bCountType(DISCONNECT)).toBe(1);
    expect(bLastEventA(EV_DISCONNECTED)).toBe(0);
  });
});

describe("session: outbound QoS 1 and 2", () => {
  beforeEach(fresh);

  it("QoS 1: PUBLISH, PUBACK, then the published event", () => {
    connect();
    const id = publish(1, utf8("hello"));
    expect(id).toBeGreaterThan(0);
    expect(S.pending()).toBe(1);
    run(30);
    const i = nth(PUBLISH, 0);
    expect(i).toBeGreaterThan(0);
    expect(bSentFlags(i)).toBe(0x02);
    expect(bSentId(i)).toBe(id);
    expect(bLastEventA(EV_PUBLISHED)).toBe(id);
    expect(bLastEventB(EV_PUBLISHED)).toBe(1);
    expect(S.pending()).toBe(0);
  });

  it("QoS 2: PUBLISH, PUBREC, PUBREL (flags 0010), PUBCOMP, and only then published", () => {
    bSet(AUTO_ACK, 0);
    connect();
    const id = publish(2, utf8("exactly once"));
    run(30);
    expect(bSentId(nth(PUBLISH, 0))).toBe(id);
    expect(bSentFlags(nth(PUBLISH, 0))).toBe(0x04);
    inject([0x50, 2, <u8>(id >> 8), <u8>id]);
    run(30);
    const rel = nth(PUBREL, 0);
    expect(rel).toBeGreaterThan(0);
    expect(bSentFlags(rel)).toBe(2);
    expect(bSentId(rel)).toBe(id);
    expect(bCountEvent(EV_PUBLISHED)).toBe(0);
    expect(S.pending()).toBe(1);
    inject([0x70, 2, <u8>(id >> 8), <u8>id]);
    run(30);
    expect(bCountEvent(EV_PUBLISHED)).toBe(1);
    expect(bLastEventA(EV_PUBLISHED)).toBe(id);
    expect(bLastEventB(EV_PUBLISHED)).toBe(2);
    expect(S.pending()).toBe(0);
  });

  it("QoS 2 against the auto-acking broker completes", () => {
    connect();
    const id = publish(2, utf8("x"));
    run(50);
    expect(bCountType(PUBREL)).toBe(1);
    expect(bLastEventA(EV_PUBLISHED)).toBe(id);
    expect(S.pending()).toBe(0);
  });

  it("an unacknowledged QoS 1 PUBLISH is sent again with DUP after a reconnect to a present session", () => {
    bSet(AUTO_ACK, 0);
    connect();
    const id = publish(1, utf8("again"));
    run(30);
    expect(bCountType(PUBLISH)).toBe(1);
    bPeerClose();
    run(30);
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bLastEventA(EV_DISCONNECTED)).toBe(E.E_LINK_CLOSED);
    bSet(SESSION_PRESENT, 1);
    bSet(AUTO_ACK, 1);
    run(1500);
    expect(bOpens()).toBe(2);
    expect(S.state()).toBe(S.ST_CONNECTED);
    const again = nth(PUBLISH, 1);
    expect(again).toBeGreaterThan(0);
    expect(bSentId(again)).toBe(id);
    expect(bSentFlags(again)).toBe(0x0a); // DUP | QoS 1
    expect(bLastEventA(EV_PUBLISHED)).toBe(id);
    expect(S.pending()).toBe(0);
  });

  it("a QoS 2 flow interrupted after PUBREC resumes with PUBREL", () => {
    bSet(AUTO_ACK, 0);
    connect();
    const id = publish(2, utf8("q2"));
    run(30);
    inject([0x50, 2, <u8>(id >> 8), <u8>id]);
    run(30);
    expect(bCountType(PUBREL)).toBe(1);
    bPeerClose();
    run(30);
    bSet(SESSION_PRESENT, 1);
    bSet(AUTO_ACK, 1);
    run(1500);
    expect(S.state()).toBe(S.ST_CONNECTED);
    expect(bCountType(PUBLISH)).toBe(1); // not sent again
    expect(bCountType(PUBREL)).toBe(2);
    expect(bLastEventA(EV_PUBLISHED)).toBe(id);
    expect(bLastEventB(EV_PUBLISHED)).toBe(2);
    expect(S.pending()).toBe(0);
  });

  it("writes a packet whole through a link that takes 3 bytes a call", () => {
    bSet(WRITE_LIMIT, 3);
    connect();
    expect(S.state()).toBe(S.ST_CONNECTED);
    const id = publish(1, fill(100, 0x61));
    run(50);
    expect(bSentId(nth(PUBLISH, 0))).toBe(id);
    expect(bLastEventA(EV_PUBLISHED)).toBe(id);
  });

  it("a publish made while disconnected is sent after the CONNACK", () => {
    configure(60);
    const id = publish(1, utf8("early"));
    expect(id).toBeGreaterThan(0);
    expect(S.pending()).toBe(1);
    S.start();
    run(50);
    expect(bSentType(0)).toBe(CONNECT);
    expect(bSentId(nth(PUBLISH, 0))).toBe(id);
    expect(S.pending()).toBe(0);
  });

  it("keeps at most MAX_INFLIGHT QoS > 0 packets in flight, sending the next on each ack", () => {
    bSet(AUTO_ACK, 0);
    connect();
    const ids = new Array<i32>(0);
    for (let k = 0; k < MAX_INFLIGHT + 2; k++) ids.push(publish(1, utf8("w")));
    run(30);
    expect(bCountType(PUBLISH)).toBe(MAX_INFLIGHT);
    inject([0x40, 2, <u8>(ids[0] >> 8), <u8>ids[0]]);
    run(30);
    expect(bCountType(PUBLISH)).toBe(MAX_INFLIGHT + 1);
    expect(bSentId(nth(PUBLISH, MAX_INFLIGHT))).toBe(ids[MAX_INFLIGHT]);
    expect(S.pending()).toBe(MAX_INFLIGHT + 1);
  });

  it("a PUBREC for an unknown id is answered with PUBREL", () => {
    connect();
    inject([0x50, 2, 0x0f, 0x0f]);
    run(20);
    expect(bSentId(nth(PUBREL, 0))).toBe(0x0f0f);
    expect(S.state()).toBe(S.ST_CONNECTED);
  });

  it("refuses bad publishes without queueing them", () => {
    connect();
    const bad = utf8("a/+");
    const p = utf8("x");
    expect(S.publish(bad.dataStart, bad.length, p.dataStart, 1, 0, false)).toBe(E.E_BAD_TOPIC);
    expect(publish(3, p)).toBe(E.E_BAD_QOS);
    expect(publish(0, fill(2000, 0))).toBe(E.E_PACKET_TOO_LARGE);
    expect(S.pending()).toBe(0);
  });
});

describe("session: inbound", () => {
  beforeEach(fresh);

  it("QoS 2 is delivered exactly once: a repeat before PUBREL is acknowledged, not delivered", () => {
    connect();
    const pub = packet(0x34, cat([str("in/x"), [0, 7], utf8("one")]));
    inject(pub);
    run(20);
    expect(bMessageCount()).toBe(1);
    expect(bMessageFlags(0)).toBe(2);
    expect(bCountType(PUBREC)).toBe(1);
    expect(bSentId(nth(PUBREC, 0))).toBe(7);
    // the broker did not see our PUBREC and sends it again, DUP set
    inject(packet(0x3c, cat([str("in/x"), [0, 7], utf8("one")])));
    run(20);
    expect(bMessageCount()).toBe(1);
    expect(bCountType(PUBREC)).toBe(2);
    // PUBREL ends the flow
    inject([0x62, 2, 0, 7]);
    run(20);
    expect(bCountType(PUBCOMP)).toBe(1);
    expect(bSentId(nth(PUBCOMP, 0))).toBe(7);
    // the id is free again: a new message with it is delivered
    inject(packet(0x34, cat([str("in/x"), [0, 7], utf8("two")])));
    run(20);
    expect(bMessageCount()).toBe(2);
    const n = bMessagePayload(1, copyBuf, 16);
    expect(hex(copyBuf, n)).toBe("74 77 6f");
  });

  it("QoS 1 is acknowledged with PUBACK, QoS 0 is not", () => {
    connect();
    inject(packet(0x33, cat([str("in/y"), [0x12, 0x34], utf8("q1")])));
    inject(packet(0x30, cat([str("in/y"), utf8("q0")])));
    run(20);
    expect(bMessageCount()).toBe(2);
    expect(bMessageFlags(0)).toBe(1 | 4); // QoS 1, retained
    expect(bMessageFlags(1)).toBe(0);
    expect(bCountType(PUBACK)).toBe(1);
    expect(bSentId(nth(PUBACK, 0))).toBe(0x1234);
  });

  it("a PUBLISH larger than the receive buffer is dropped, acknowledged, and the stream stays in step", () => {
    connect();
    const big = packet(0x32, cat([str("in/big"), [0, 11], fill(3000, 0x42)]));
    const small = packet(0x32, cat([str("in/small"), [0, 12], utf8("ok")]));
    inject(cat([big, small]));
    run(50);
    expect(S.state()).toBe(S.ST_CONNECTED);
    expect(bMessageCount()).toBe(1);
    expect(bCountType(PUBACK)).toBe(2);
    expect(bSentId(nth(PUBACK, 0))).toBe(11);
    expect(bSentId(nth(PUBACK, 1))).toBe(12);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_PACKET_TOO_LARGE);
    expect(stats.get(stats.DROPPED)).toBeGreaterThan(0);
  });

  it("a malformed packet from the broker ends the connection", () => {
    connect();
    inject([0x40, 2, 0, 0]); // PUBACK with packet id 0
    run(20);
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_MALFORMED);
    expect(bLastEventA(EV_DISCONNECTED)).toBe(E.E_MALFORMED);
  });

  it("a 5-byte remaining length from the broker ends the connection", () => {
    connect();
    inject([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]);
    run(20);
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bLastEventA(EV_DISCONNECTED)).toBe(E.E_REMAINING_LENGTH);
  });
});

describe("session: SUBSCRIBE", () => {
  beforeEach(fresh);

  it("reports the granted QoS per filter, and a refusal", () => {
    connect();
    const list = cat([str("a/+"), [1], str("b/#"), [2]]);
    const id = S.subscribe(list.dataStart, list.length, 0);
    expect(id).toBeGreaterThan(0);
    run(30);
    expect(bCountType(SUBSCRIBE)).toBe(1);
    expect(bSentFlags(nth(SUBSCRIBE, 0))).toBe(2);
    expect(bCountEvent(EV_SUBSCRIBED)).toBe(2);
    expect(bLastEventA(EV_SUBSCRIBED)).toBe(id);
    expect(bLastEventB(EV_SUBSCRIBED)).toBe(2);
    bSet(GRANT, 0x80);
    const one = cat([str("c"), [0]]);
    S.subscribe(one.dataStart, one.length, 0);
    run(30);
    expect(bLastEventB(EV_SUBSCRIBED)).toBe(0x80);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_REFUSED);
    expect(bLastEventB(EV_ERROR)).toBe(0x80);
  });

  it("renews subscriptions on a new session", () => {
    connect();
    const list = cat([str("r/#"), [1]]);
    S.subscribe(list.dataStart, list.length, 0);
    run(30);
    expect(bCountType(SUBSCRIBE)).toBe(1);
    bPeerClose();
    run(1500);
    expect(S.state()).toBe(S.ST_CONNECTED);
    expect(bCountType(SUBSCRIBE)).toBe(2);
  });
});

describe("session: keep alive", () => {
  beforeEach(fresh);

  it("sends PINGREQ after half the keep alive without traffic; PINGRESP keeps the link", () => {
    connect(10);
    run(4800);
    expect(bCountType(PINGREQ)).toBe(0);
    run(400);
    expect(bCountType(PINGREQ)).toBe(1);
    run(5000);
    expect(S.state()).toBe(S.ST_CONNECTED);
    expect(bCountType(PINGREQ)).toBe(2);
    expect(bCountEvent(EV_DISCONNECTED)).toBe(0);
  });

  it("declares the link dead when no PINGRESP comes within another half keep alive", () => {
    bSet(ANSWER_PING, 0);
    connect(10);
    run(5200);
    expect(bCountType(PINGREQ)).toBe(1);
    expect(S.state()).toBe(S.ST_CONNECTED);
    run(4600);
    expect(S.state()).toBe(S.ST_CONNECTED);
    run(500);
    expect(S.state()).toBe(S.ST_BACKOFF);
    expect(bLastEventA(EV_ERROR)).toBe(E.E_PING_TIMEOUT);
    expect(bLastEventA(EV_DISCONNECTED)).toBe(E.E_PING_TIMEOUT);
    expect(bCountType(PINGREQ)).toBe(1); // one PINGREQ, no retries
  });

  it("keep alive 0 never pings", () => {
    bSet(ANSWER_PING, 0);
    connect(0);
    run(120000, 1000);
    expect(bCountType(PINGREQ)).toBe(0);
    expect(S.state()).toBe(S.ST_CONNECTED);
  });

  it("keeps working across the 32-bit millis() wrap", () => {
    const now = bNow();
    bAdvance(<i32>(0xffffffff - now - 2000)); // 2 s before the wrap
    connect(10);
    run(5200); // the PINGREQ is due after the wrap
    expect(bCountType(PINGREQ)).toBe(1);
    expect(S.state()).toBe(S.ST_CONNECTED);
    run(5000);
    expect(S.state()).toBe(S.ST_CONNECTED);
  });
});

let hookEvents: i32 = 0;
let hookLastKind: i32 = 0;
let hookLastA: i32 = -1;
function hook(kind: i32, a: i32, b: i32, p: usize, n: i32): void {
  hookEvents++;
  hookLastKind = kind;
  hookLastA = a;
}

describe("session: events to an app inside the module", () => {
  beforeEach(fresh);

  it("the app's hook sees each event the host gets, with the same values", () => {
    hookEvents = 0;
    onEvent(hook);
    connect();
    expect(hookEvents).toBe(1);
    expect(hookLastKind).toBe(EV_CONNECTED);
    expect(hookLastA).toBe(bLastEventA(EV_CONNECTED));
    S.stop();
    run(50);
    expect(hookLastKind).toBe(EV_DISCONNECTED);
    expect(hookEvents).toBe(2);
    onEvent(null);
    connect();
    expect(hookEvents).toBe(2); // removed: the host still gets it
    expect(bCountEvent(EV_CONNECTED)).toBe(2);
  });
});

describe("session: graceful disconnect", () => {
  beforeEach(fresh);

  // A broker may close the connection on DISCONNECT (Mosquitto does): that
  // is the plan, not a link failure.
  it("a graceful disconnect reports no error when the broker closes at once", () => {
    connect();
    S.stop();
    run(50);
    expect(S.state()).toBe(S.ST_IDLE);
    expect(bLastEventA(EV_DISCONNECTED)).toBe(0);
    expect(bCountEvent(EV_ERROR)).toBe(0);
  });

  // A PUBLISH arriving after stop() is not acknowledged: nothing may follow
  // DISCONNECT (3.14.4-1).
  it("sends nothing after DISCONNECT", () => {
    bSet(CLOSE_ON_DISCONNECT, 0);
    connect();
    S.stop();
    inject(packet(0x32, cat([str("late"), [0, 5], utf8("x")])));
    run(50);
    expect(S.state()).toBe(S.ST_IDLE);
    expect(bSentType(bSentCount() - 1)).toBe(DISCONNECT);
  });
});
