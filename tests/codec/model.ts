// A plain model of the 14 MQTT 3.1.1 packets, fast-check generators for
// valid ones, and converters between the model, mqtt-packet objects, the
// atmqtt encoders and the atmqtt decoder's globals.
import fc from "fast-check";
import * as mqtt from "mqtt-packet";
import { Harness, Decoded } from "./harness.ts";

export type QoS = 0 | 1 | 2;
export type AckCmd = "puback" | "pubrec" | "pubrel" | "pubcomp" | "unsuback";
export type EmptyCmd = "pingreq" | "pingresp" | "disconnect";

export interface Will { topic: string; payload: Buffer; qos: QoS; retain: boolean }
export type Model =
  | { cmd: "connect"; clientId: string; clean: boolean; keepalive: number; will: Will | null; username: string | null; password: Buffer | null }
  | { cmd: "connack"; sessionPresent: boolean; returnCode: number }
  | { cmd: "publish"; topic: string; payload: Buffer; qos: QoS; retain: boolean; dup: boolean; messageId: number }
  | { cmd: AckCmd; messageId: number }
  | { cmd: "subscribe"; messageId: number; subscriptions: { topic: string; qos: QoS }[] }
  | { cmd: "suback"; messageId: number; granted: number[] }
  | { cmd: "unsubscribe"; messageId: number; unsubscriptions: string[] }
  | { cmd: EmptyCmd };

export const TYPE: Record<Model["cmd"], number> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14,
};
export const CMD: Model["cmd"][] = Object.keys(TYPE) as Model["cmd"][];
export const cmdOf = (type: number): Model["cmd"] | undefined => CMD.find((c) => TYPE[c] === type);

// ------------------------------------------------------------------ generators

/** Deterministic filler: payload bytes from a size and a seed (fast for 30 KB). */
export function fillBytes(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let s = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

/**
 * Code points MQTT allows in a UTF-8 string (1.5.3): no U+0000, no
 * surrogates, up to U+10FFFF; biased to ASCII, every encoded length covered.
 */
export const codePoint = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x01, max: 0x7f }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0x7ff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x800, max: 0xffff }).map((c) => (c >= 0xd800 && c <= 0xdfff ? c + 0x800 : c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
);

export const utf8 = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.array(codePoint, { minLength, maxLength }).map((a) => String.fromCodePoint(...a));

const levelOf = (a: number[]): string => String.fromCodePoint(...a.map((c) => (c === 0x2f || c === 0x2b || c === 0x23 ? 0x5f : c)));
/** One topic level: no '/', '+' or '#' (mapped to '_'); may be empty; sometimes long. */
const level = fc.oneof(
  { weight: 9, arbitrary: fc.array(codePoint, { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(codePoint, { maxLength: 300 }) },
).map(levelOf);
const shortLevel = fc.array(codePoint, { maxLength: 6 }).map(levelOf);

/** A PUBLISH topic name: 1+ characters, no wildcards, empty levels allowed, sometimes $-prefixed. */
export const topicName = fc.tuple(fc.array(level, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.integer({ min: 0, max: 9 }))
  .map(([ls, slashEnd, d]) => {
    let t = ls.join("/") + (slashEnd && ls.length === 1 ? "/" : "");
    if (d === 0) t = "$SYS/" + t;
    return t === "" ? "/" : t;
  });

/** A topic filter: '+' as whole levels, '#' only as the whole last level. */
const filterOf = (lvl: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(
  fc.array(fc.oneof({ weight: 3, arbitrary: lvl }, { weight: 1, arbitrary: fc.constant("+") }), { maxLength: 6 }),
  fc.boolean(),
).map(([ls, hash]) => {
  if (hash) return [...ls, "#"].join("/");
  if (ls.length === 0) return "+";
  const f = ls.join("/");
  return f === "" ? "/" : f;
});
export const topicFilter = filterOf(level);
/** Filters short enough that 200 of them fit the scratch buffer twice. */
export const shortFilter = filterOf(shortLevel);

/** Payload sizes: empty, small, 2-byte and 3-byte remaining lengths. */
export const payloadSize = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 130 }) },
  { weight: 4, arbitrary: fc.integer({ min: 100, max: 16400 }) },
  { weight: 2, arbitrary: fc.integer({ min: 16370, max: 28000 }) }, // + topic, twice, fits 70 KiB
);
export const payload = (size: fc.Arbitrary<number> = payloadSize): fc.Arbitrary<Buffer> =>
  fc.tuple(size, fc.integer()).map(([n, seed]) => fillBytes(n, seed));

/** fast-check 4 records have a null prototype unless told; deepStrictEqual minds. */
const plain = { noNullPrototype: true } as const;

export const packetId = fc.integer({ min: 1, max: 65535 });
export const qos = fc.constantFrom<QoS>(0, 1, 2);

const connect: fc.Arbitrary<Model> = fc.record({
  clientId: fc.oneof(utf8(0, 23), utf8(0, 200)),
  clean: fc.boolean(),
  keepalive: fc.integer({ min: 0, max: 65535 }),
  will: fc.option(fc.record({
    topic: topicName,
    payload: payload(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 20000 }) })),
    qos,
    retain: fc.boolean(),
  }, plain), { nil: null }),
  username: fc.option(utf8(0, 40), { nil: null }),
  password: fc.option(payload(fc.integer({ min: 0, max: 64 })), { nil: null }),
}).map((c) => ({
  cmd: "connect" as const,
  // 3.1.3-7/-8: an empty client id needs a clean session (mqtt-packet and
  // encodeConnect both refuse the other case).
  clientId: c.clientId,
  clean: c.clientId === "" ? true : c.clean,
  keepalive: c.keepalive,
  will: c.will,
  username: c.username ?? (c.password ? "" : null), // 3.1.2-22: password needs a user name
  password: c.password,
}));

// CONNACK: 3.2.2-4, session present only with return code 0 (mqtt-packet
// would generate SP=1 with a refusal). Codes above 5 are reserved but legal bytes.
const connack: fc.Arbitrary<Model> = fc.tuple(fc.boolean(), fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }))
  .map(([sp, rc]) => ({ cmd: "connack" as const, sessionPresent: sp && rc === 0, returnCode: rc }));

// PUBLISH: 3.3.1-2, DUP only with QoS > 0 (mqtt-packet sets it on QoS 0 if
// asked; encodePublish refuses it). The packet id is absent for QoS 0.
const publish: fc.Arbitrary<Model> = fc.record({ topic: topicName, payload: payload(), qos, retain: fc.boolean(), dup: fc.boolean(), messageId: packetId })
  .map((p) => ({ cmd: "publish" as const, ...p, dup: p.qos > 0 && p.dup, messageId: p.qos > 0 ? p.messageId : 0 }));

// PUBREL/SUBSCRIBE/UNSUBSCRIBE: mqtt-packet's `dup` option would set the
// reserved flag bit 3 (flags must be 0010, 2.2.2); it is never set here.
const ack: fc.Arbitrary<Model> = fc.tuple(fc.constantFrom<AckCmd>("puback", "pubrec", "pubrel", "pubcomp", "unsuback"), packetId)
  .map(([cmd, messageId]) => ({ cmd, messageId }));

const subscribe: fc.Arbitrary<Model> = fc.tuple(packetId, fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.record({ topic: topicFilter, qos }, plain), { minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(fc.record({ topic: shortFilter, qos }, plain), { minLength: 1, maxLength: 200 }) },
)).map(([messageId, subscriptions]) => ({ cmd: "subscribe" as const, messageId, subscriptions }));

const suback: fc.Arbitrary<Model> = fc.tuple(packetId, fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 300 }) },
)).map(([messageId, granted]) => ({ cmd: "suback" as const, messageId, granted }));

const unsubscribe: fc.Arbitrary<Model> = fc.tuple(packetId, fc.oneof(
  { weight: 4, arbitrary: fc.array(topicFilter, { minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(shortFilter, { minLength: 1, maxLength: 200 }) },
)).map(([messageId, unsubscriptions]) => ({ cmd: "unsubscribe" as const, messageId, unsubscriptions }));

const empty: fc.Arbitrary<Model> = fc.constantFrom<EmptyCmd>("pingreq", "pingresp", "disconnect").map((cmd) => ({ cmd }));

/** Any valid MQTT 3.1.1 packet, every type well represented. */
export const anyPacket: fc.Arbitrary<Model> = fc.oneof(
  { weight: 3, arbitrary: connect },
  { weight: 1, arbitrary: connack },
  { weight: 6, arbitrary: publish },
  { weight: 3, arbitrary: ack },
  { weight: 2, arbitrary: subscribe },
  { weight: 2, arbitrary: suback },
  { weight: 2, arbitrary: unsubscribe },
  { weight: 1, arbitrary: empty },
);

// ------------------------------------------------------------------ mqtt-packet

export function toMqtt(m: Model): mqtt.Packet {
  switch (m.cmd) {
    case "connect": {
      const p: mqtt.IConnectPacket = { cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: m.clientId, clean: m.clean, keepalive: m.keepalive };
      if (m.will) p.will = { topic: m.will.topic, payload: m.will.payload, qos: m.will.qos, retain: m.will.retain };
      if (m.username !== null) p.username = m.username;
      if (m.password !== null) p.password = m.password;
      return p;
    }
    case "connack": return { cmd: "connack", sessionPresent: m.sessionPresent, returnCode: m.returnCode };
    case "publish": {
      const p: mqtt.IPublishPacket = { cmd: "publish", topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, dup: m.dup };
      if (m.qos > 0) p.messageId = m.messageId;
      return p;
    }
    case "subscribe": return { cmd: "subscribe", messageId: m.messageId, subscriptions: m.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
    case "suback": return { cmd: "suback", messageId: m.messageId, granted: m.granted.slice() };
    case "unsubscribe": return { cmd: "unsubscribe", messageId: m.messageId, unsubscriptions: m.unsubscriptions.slice() };
    case "unsuback": return { cmd: "unsuback", messageId: m.messageId, granted: [] };
    case "puback": case "pubrec": case "pubrel": case "pubcomp": return { cmd: m.cmd, messageId: m.messageId };
    default: return { cmd: m.cmd } as mqtt.Packet;
  }
}

/** The model of a packet mqtt-packet parsed (only 3.1.1 fields). */
export function fromMqtt(p: mqtt.Packet): Model {
  switch (p.cmd) {
    case "connect":
      if (p.protocolId !== "MQTT" || p.protocolVersion !== 4) throw new Error(`protocol ${p.protocolId} ${p.protocolVersion}`);
      return {
        cmd: "connect", clientId: p.clientId, clean: !!p.clean, keepalive: p.keepalive ?? -1,
        will: p.will ? { topic: p.will.topic, payload: Buffer.from(p.will.payload), qos: p.will.qos ?? 0, retain: !!p.will.retain } : null,
        username: p.username ?? null, password: p.password ? Buffer.from(p.password) : null,
      };
    case "connack": return { cmd: "connack", sessionPresent: p.sessionPresent, returnCode: p.returnCode ?? -1 };
    case "publish":
      return { cmd: "publish", topic: p.topic, payload: Buffer.from(p.payload), qos: p.qos, retain: p.retain, dup: p.dup, messageId: p.qos > 0 ? p.messageId ?? -1 : 0 };
    case "subscribe": return { cmd: "subscribe", messageId: p.messageId ?? -1, subscriptions: p.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
    case "suback": return { cmd: "suback", messageId: p.messageId ?? -1, granted: (p.granted as number[]).slice() };
    case "unsubscribe": return { cmd: "unsubscribe", messageId: p.messageId ?? -1, unsubscriptions: p.unsubscriptions.slice() };
    case "puback": case "pubrec": case "pubrel": case "pubcomp": case "unsuback": return { cmd: p.cmd, messageId: p.messageId ?? -1 };
    case "pingreq": case "pingresp": case "disconnect": return { cmd: p.cmd };
    default: throw new Error("unexpected " + p.cmd);
  }
}

/**
 * An mqtt-packet parser reused while it sees good packets; parse() gives
 * every packet or the error. After an error mqtt-packet's parser does not
 * reliably start clean (it can swallow the next packet silently), so a
 * fresh one is made.
 */
export class MqttPacketParser {
  private p!: mqtt.Parser;
  private packets: mqtt.Packet[] = [];
  private errors: Error[] = [];
  constructor() { this.fresh(); }
  private fresh(): void {
    this.p = mqtt.parser({ protocolVersion: 4 });
    this.p.on("packet", (pk: mqtt.Packet) => this.packets.push(pk));
    this.p.on("error", (e: Error) => this.errors.push(e));
  }
  parse(buf: Buffer): { packets: mqtt.Packet[]; error: Error | null; left: number } {
    this.packets = [];
    this.errors = [];
    const left = this.p.parse(buf);
    if (this.errors.length > 0 || left !== 0) this.fresh();
    return { packets: this.packets, error: this.errors[0] ?? null, left };
  }
}

// ------------------------------------------------------------------ atmqtt

/** Wire form of a (UN)SUBSCRIBE list: [u16 len][filter]([qos])... */
export function filterList(filters: { topic: string; qos?: number }[], withQos: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const f of filters) {
    const t = Buffer.from(f.topic);
    const len = Buffer.from([t.length >> 8, t.length & 0xff]);
    parts.push(len, t);
    if (withQos) parts.push(Buffer.from([f.qos ?? 0]));
  }
  return Buffer.concat(parts);
}

function parseFilterList(b: Buffer, withQos: boolean): { topic: string; qos: QoS }[] {
  const out: { topic: string; qos: QoS }[] = [];
  let i = 0;
  while (i < b.length) {
    const n = b.readUInt16BE(i);
    const topic = b.subarray(i + 2, i + 2 + n).toString("utf8");
    i += 2 + n;
    let q: QoS = 0;
    if (withQos) q = b[i++] as QoS;
    out.push({ topic, qos: q });
  }
  return out;
}

/**
 * Encodes m with the atmqtt encoders, inputs and output in the scratch
 * buffer. Returns the encoder's result and the packet bytes.
 */
export function atmqttEncode(h: Harness, m: Model, capDelta = 0): { r: number; bytes: Buffer } {
  const x = h.x;
  let off = 0;
  const at = (b: Buffer): number => { const o = off; h.put(o, b); off += b.length; return o; };
  let r: number;
  const outFor = (): number => (off + 15) & ~15;
  switch (m.cmd) {
    case "connect": {
      const cid = Buffer.from(m.clientId);
      const c = at(cid);
      const u = m.username === null ? null : Buffer.from(m.username);
      const uo = u ? at(u) : 0;
      const po = m.password ? at(m.password) : 0;
      const wt = m.will ? Buffer.from(m.will.topic) : null;
      const wto = wt ? at(wt) : 0;
      const wpo = m.will ? at(m.will.payload) : 0;
      const out = outFor();
      const cap = x.scratchSize() - out;
      r = x.encodeConnect(out, capDelta ? capDelta : cap, c, cid.length, m.clean ? 1 : 0, m.keepalive,
        uo, u ? u.length : -1, po, m.password ? m.password.length : -1,
        wto, wt ? wt.length : -1, wpo, m.will ? m.will.payload.length : 0, m.will ? m.will.qos : 0, m.will?.retain ? 1 : 0);
      return { r, bytes: r > 0 ? h.readScratch(out, r) : Buffer.alloc(0) };
    }
    case "connack": {
      const out = 0;
      r = x.encodeConnack(out, capDelta ? capDelta : x.scratchSize(), m.sessionPresent ? 1 : 0, m.returnCode);
      return { r, bytes: r > 0 ? h.readScratch(out, r) : Buffer.alloc(0) };
    }
    case "publish": {
      const t = Buffer.from(m.topic);
      const to = at(t);
      const po = at(m.payload);
      const out = outFor();
      r = x.encodePublish(out, capDelta ? capDelta : x.scratchSize() - out, to, t.length, po, m.payload.length, m.qos, m.retain ? 1 : 0, m.dup ? 1 : 0, m.messageId);
      return { r, bytes: r > 0 ? h.readScratch(out, r) : Buffer.alloc(0) };
    }
    case "subscribe": case "unsubscribe": {
      const isSub = m.cmd === "subscribe";
      const list = isSub ? filterList(m.subscriptions, true) : filterList(m.unsubscriptions.map((topic) => ({ topic })), false);
      const lo = at(list);
      const out = outFor();
      const cap = capDelta ? capDelta : x.scratchSize() - out;
      r = isSub ? x.encodeSubscribe(out, cap, m.messageId, lo, list.length) : x.encodeUnsubscribe(out, cap, m.messageId, lo, list.length);
      return { r, bytes: r > 0 ? h.readScratch(out, r) : Buffer.alloc(0) };
    }
    case "suback": {
      const co = at(Buffer.from(m.granted));
      const out = outFor();
      r = x.encodeSuback(out, capDelta ? capDelta : x.scratchSize() - out, m.messageId, co, m.granted.length);
      return { r, bytes: r > 0 ? h.readScratch(out, r) : Buffer.alloc(0) };
    }
    case "puback": case "pubrec": case "pubrel": case "pubcomp": case "unsuback": {
      r = x.encodeAck(0, capDelta ? capDelta : x.scratchSize(), TYPE[m.cmd], m.messageId);
      return { r, bytes: r > 0 ? h.readScratch(0, r) : Buffer.alloc(0) };
    }
    default: {
      r = x.encodeEmpty(0, capDelta ? capDelta : x.scratchSize(), TYPE[m.cmd]);
      return { r, bytes: r > 0 ? h.readScratch(0, r) : Buffer.alloc(0) };
    }
  }
}

/** The model of what decodePacket left in its globals. */
export function fromDecoded(d: Decoded): Model {
  const cmd = cmdOf(d.type);
  const s = (b: Buffer | null): string => (b === null ? "<absent>" : b.toString("utf8"));
  switch (cmd) {
    case "connect":
      return {
        cmd, clientId: s(d.clientId), clean: d.cleanSession, keepalive: d.keepAlive,
        will: d.hasWill ? { topic: s(d.topic), payload: d.payload ?? Buffer.from("<absent>"), qos: d.qos as QoS, retain: d.retain } : null,
        username: d.user === null ? null : s(d.user), password: d.pass,
      };
    case "connack": return { cmd, sessionPresent: d.sessionPresent, returnCode: d.returnCode };
    case "publish": return { cmd, topic: s(d.topic), payload: d.payload ?? Buffer.alloc(0), qos: d.qos as QoS, retain: d.retain, dup: d.dup, messageId: d.packetId };
    case "subscribe": return { cmd, messageId: d.packetId, subscriptions: parseFilterList(d.payload ?? Buffer.alloc(0), true) };
    case "unsubscribe": return { cmd, messageId: d.packetId, unsubscriptions: parseFilterList(d.payload ?? Buffer.alloc(0), false).map((f) => f.topic) };
    case "suback": return { cmd, messageId: d.packetId, granted: [...(d.payload ?? [])] };
    case "puback": case "pubrec": case "pubrel": case "pubcomp": case "unsuback": return { cmd, messageId: d.packetId };
    case "pingreq": case "pingresp": case "disconnect": return { cmd };
    default: throw new Error("decoded type " + d.type);
  }
}

/** The fixed-header flags a packet must carry. */
export function flagsOf(m: Model): number {
  if (m.cmd === "publish") return (m.dup ? 8 : 0) | (m.qos << 1) | (m.retain ? 1 : 0);
  return m.cmd === "pubrel" || m.cmd === "subscribe" || m.cmd === "unsubscribe" ? 2 : 0;
}

/** Chunk sizes splitting n bytes: whole, 1-byte, or random cuts (from a seed). */
export type Split = { mode: "whole" | "bytes" | "random" | "header-bytes"; seed: number };
export const split: fc.Arbitrary<Split> = fc.record({
  mode: fc.constantFrom<Split["mode"]>("whole", "bytes", "random", "random", "header-bytes"),
  seed: fc.integer(),
});
export function chunks(n: number, sp: Split): number[] {
  const mode = sp.mode === "bytes" && n > 4096 ? "header-bytes" : sp.mode;
  if (mode === "whole") return [n];
  if (mode === "bytes") return new Array<number>(n).fill(1);
  let s = (sp.seed | 0) || 1;
  const rnd = (k: number): number => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) % k; };
  const out: number[] = [];
  let left = n;
  if (mode === "header-bytes") {
    for (let i = 0; i < 8 && left > 0; i++) { out.push(1); left--; }
  }
  while (left > 0) {
    const k = 1 + rnd(Math.min(left, rnd(4) === 0 ? 3 : 1 + (left >> 1)));
    out.push(k);
    left -= k;
  }
  return out;
}
