// Differential tests of the atmqtt codec (build/codec-harness.wasm) against
// mqtt-packet, protocol level 4 (MQTT 3.1.1) only:
//   (a) random packets -> atmqtt encode* -> mqtt-packet parser -> same fields
//       (and byte-identical to mqtt-packet's generate);
//   (b) random packets -> mqtt-packet generate -> atmqtt Parser, fed in random
//       chunk splits -> decodePacket -> same fields;
// then malformed input: the decoder returns errors and never traps.
//
// Where mqtt-packet is more lenient than the spec, the generators keep to
// valid packets (see the comments in model.ts) and the malformed cases below
// say so. CODEC_RUNS overrides the number of random packets per direction.
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as mqtt from "mqtt-packet";
import {
  Harness, OK, E_BUFFER_TOO_SHORT, E_REMAINING_LENGTH, E_MALFORMED, E_BAD_UTF8, E_BAD_TOPIC, E_BAD_QOS, E_BAD_ARGUMENT,
  E_PACKET_TOO_LARGE,
} from "./harness.ts";
import {
  Model, TYPE, CMD, anyPacket, split, chunks, toMqtt, fromMqtt, fromDecoded, flagsOf, atmqttEncode,
  MqttPacketParser, filterList, fillBytes, Split,
} from "./model.ts";

const RUNS = Number(process.env.CODEC_RUNS ?? 10000);
fc.configureGlobal({ includeErrorInReport: true }); // show the assertion, not only the counterexample
const SCRATCH = 70 * 1024;

let h: Harness;
let mp: MqttPacketParser;

before(() => {
  h = new Harness();
  mp = new MqttPacketParser();
});

/** The normal set-up: static scratch, a parser body buffer of 70 KiB. */
function normal(): void {
  h.x.useBigScratch(0);
  h.x.parserInit(SCRATCH, 64);
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A packet from its first byte and body. */
function pkt(first: number, body: number[] | Buffer): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([first, ...varint(b.length)]), b]);
}
const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const str = (s: string | Buffer | number[]): number[] => {
  const b = Buffer.from(s as string);
  return [...u16(b.length), ...b];
};

/** Frames bytes as one packet (whole) and decodes it: the first error, or OK. */
function decodeBytes(bytes: Buffer, sp: Split = { mode: "whole", seed: 1 }): number {
  const f = h.frame(bytes, chunks(bytes.length, sp));
  if (f.err < 0) return f.err;
  assert.ok(f.done, "packet not complete");
  assert.equal(f.used, bytes.length, "parser stopped before the end");
  return h.x.parserDecode();
}

/** Feeds a stream in chunks; returns decoded models (or the framing error) packet by packet. */
function feedStream(bytes: Buffer, cuts: number[]): { models: (Model | number)[]; err: number } {
  const x = h.x;
  x.parserReset();
  h.put(0, bytes);
  const models: (Model | number)[] = [];
  let pos = 0;
  let ci = 0;
  let pend = 0;
  while (pos < bytes.length) {
    if (pend === 0) pend = Math.min(ci < cuts.length ? cuts[ci++] : bytes.length, bytes.length - pos);
    const r = x.parserPush(pos, pend);
    if (r < 0) return { models, err: r };
    assert.ok(r > 0, "parser took nothing");
    pos += r;
    pend -= r;
    if (x.parserDone()) {
      const d = x.parserDecode();
      models.push(d === OK ? fromDecoded(h.decoded()) : d);
      x.parserReset();
    }
  }
  return { models, err: 0 };
}

const lengthBytes = (rem: number): number => (rem < 128 ? 1 : rem < 16384 ? 2 : rem < 2097152 ? 3 : 4);
/** Fixed-header length of an encoded packet. */
function headerLen(b: Buffer): number {
  let hl = 2;
  while (b[hl - 1] & 0x80) hl++;
  return hl;
}

// ---------------------------------------------------------------- (a) encode

describe("(a) atmqtt encode* -> mqtt-packet parser", () => {
  test(`${RUNS} random packets of all 14 types round-trip with equal fields and bytes`, (t) => {
    normal();
    const seenCmd = new Map<string, number>();
    const seenLen = new Map<number, number>();
    const seen = new Set<string>(); // will/user/password combinations, empty payloads, UTF-8 widths
    fc.assert(fc.property(anyPacket, (m) => {
      if (m.cmd === "connect") seen.add(`connect will=${m.will !== null} user=${m.username !== null} pass=${m.password !== null}`);
      if (m.cmd === "publish") {
        if (m.payload.length === 0) seen.add("empty payload");
        for (const ch of m.topic) seen.add(`topic utf8 ${Buffer.byteLength(ch)}`);
      }
      const { r, bytes } = atmqttEncode(h, m);
      assert.ok(r > 0, `encode ${m.cmd} failed: ${r}`);
      // byte-exact against mqtt-packet's own encoding of the same packet
      const ref = mqtt.generate(toMqtt(m), { protocolVersion: 4 });
      assert.deepEqual(bytes, ref, "bytes differ from mqtt-packet generate");
      const { packets, error, left } = mp.parse(bytes);
      assert.equal(error, null, `mqtt-packet refused it: ${error?.message}`);
      assert.equal(packets.length, 1);
      assert.equal(left, 0);
      assert.deepEqual(fromMqtt(packets[0]), m);
      // one byte short of room: E_BUFFER_TOO_SHORT, never a partial packet
      assert.equal(atmqttEncode(h, m, r - 1).r, E_BUFFER_TOO_SHORT);
      seenCmd.set(m.cmd, (seenCmd.get(m.cmd) ?? 0) + 1);
      const rem = packets[0].length ?? 0;
      seenLen.set(lengthBytes(rem), (seenLen.get(lengthBytes(rem)) ?? 0) + 1);
    }), { numRuns: RUNS });
    t.diagnostic(`packets by type: ${JSON.stringify(Object.fromEntries(seenCmd))}`);
    t.diagnostic(`remaining-length bytes: ${JSON.stringify(Object.fromEntries(seenLen))}`);
    assert.deepEqual([...seenCmd.keys()].sort(), [...CMD].sort(), "every packet type generated");
    for (const n of [1, 2, 3]) assert.ok((seenLen.get(n) ?? 0) > 0, `${n}-byte remaining lengths generated`);
    for (const w of [false, true]) {
      for (const [u, pw] of [[false, false], [true, false], [true, true]]) {
        assert.ok(seen.has(`connect will=${w} user=${u} pass=${pw}`), `CONNECT will=${w} user=${u} pass=${pw} generated`);
      }
    }
    for (const k of ["empty payload", "topic utf8 1", "topic utf8 2", "topic utf8 3", "topic utf8 4"]) assert.ok(seen.has(k), k);
  });
});

// ---------------------------------------------------------------- (b) decode

describe("(b) mqtt-packet generate -> atmqtt Parser (random splits) -> decodePacket", () => {
  test(`${RUNS} random packets of all 14 types decode to equal fields`, (t) => {
    normal();
    const seenCmd = new Set<string>();
    const seenLen = new Set<number>();
    const seenMode = new Set<string>();
    let n = 0;
    let pushes = 0;
    fc.assert(fc.property(anyPacket, split, (m, sp) => {
      const bytes = mqtt.generate(toMqtt(m), { protocolVersion: 4 });
      const r = decodeBytes(bytes, sp);
      assert.equal(r, OK, `decode ${m.cmd} failed: ${r}`);
      const x = h.x;
      assert.equal(x.parserTruncated(), 0);
      const hdr = bytes.length - x.parserLength();
      assert.equal(hdr, 1 + lengthBytes(x.parserLength()));
      assert.equal(x.pkType(), TYPE[m.cmd]);
      assert.equal(x.pkFlags(), flagsOf(m));
      assert.deepEqual(fromDecoded(h.decoded()), m);
      seenCmd.add(m.cmd);
      seenLen.add(hdr - 1);
      seenMode.add(sp.mode);
      n++;
      pushes += chunks(bytes.length, sp).length;
    }), { numRuns: RUNS });
    t.diagnostic(`${n} packets decoded, ${pushes} parser pushes`);
    assert.equal(seenCmd.size, 14);
    for (const n of [1, 2, 3]) assert.ok(seenLen.has(n), `${n}-byte remaining lengths generated`);
    assert.equal(seenMode.size, 4);
  });

  test("back-to-back packets in one stream, chunks crossing packet ends", () => {
    normal();
    fc.assert(fc.property(fc.array(anyPacket, { minLength: 1, maxLength: 6 }), split, (ms, sp) => {
      const parts = ms.map((m) => mqtt.generate(toMqtt(m), { protocolVersion: 4 }));
      const bytes = Buffer.concat(parts);
      fc.pre(bytes.length <= SCRATCH);
      const { models, err } = feedStream(bytes, chunks(bytes.length, sp));
      assert.equal(err, 0);
      assert.deepEqual(models, ms);
    }), { numRuns: 1000 });
  });
});

// ---------------------------------------------------------------- big packets

describe("remaining-length boundaries, 4-byte lengths", () => {
  // topic "t/big" (5 bytes), QoS 1: rem = 2 + 5 + 2 + payload
  const sizes = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 2500000];
  test(`PUBLISH with remaining length ${sizes.join(", ")} both ways`, () => {
    const x = h.x;
    x.useBigScratch(2 * 2500100 + 64);
    x.parserInit(2500100, 64);
    for (const rem of sizes) {
      if (rem < 9) continue;
      const m: Model = { cmd: "publish", topic: "t/big", payload: fillBytes(rem - 9, rem), qos: 1, retain: false, dup: false, messageId: 7 };
      // (a)
      const { r, bytes } = atmqttEncode(h, m);
      assert.equal(r, 1 + lengthBytes(rem) + rem);
      assert.deepEqual(bytes.subarray(1, 1 + lengthBytes(rem)), Buffer.from(varint(rem)));
      const parsed = mp.parse(bytes);
      assert.equal(parsed.error, null);
      assert.deepEqual(fromMqtt(parsed.packets[0]), m);
      // (b), in 1-byte header chunks then random cuts
      const gen = mqtt.generate(toMqtt(m), { protocolVersion: 4 });
      assert.deepEqual(gen, bytes);
      assert.equal(decodeBytes(gen, { mode: "header-bytes", seed: rem }), OK);
      assert.deepEqual(fromDecoded(h.decoded()), m);
    }
    // CONNACK/PINGREQ-sized packets: remaining lengths 2 and 0
    assert.equal(decodeBytes(Buffer.from([0x20, 2, 0, 0])), OK);
    assert.equal(decodeBytes(Buffer.from([0xc0, 0])), OK);
    normal();
  });

  test("the largest remaining length (268435455) is framed and skipped with a small buffer", () => {
    const x = h.x;
    x.useBigScratch(0);
    x.parserInit(1024, 64);
    x.parserReset();
    h.put(0, Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    assert.equal(x.parserPush(0, 5), 5);
    assert.equal(x.parserRemaining(), 268435455);
    // the body: 64 KiB of scratch pushed 4096 times (the bytes do not matter)
    h.put(0, Buffer.alloc(65536, 0x41));
    let total = 0;
    while (!x.parserDone()) {
      const r = x.parserPush(0, Math.min(65536, 268435455 - total));
      assert.ok(r > 0);
      total += r;
    }
    assert.equal(total, 268435455);
    assert.equal(x.parserTruncated(), 1);
    assert.equal(x.parserLength(), 1024);
    // the stream stays in step: the next packet parses
    assert.equal(decodeBytes(Buffer.from([0xd0, 0])), OK);
    assert.equal(x.pkType(), 13);
    normal();
  });

  test("an oversized body is kept up to the buffer and the rest skipped, at any split", () => {
    const x = h.x;
    x.useBigScratch(0);
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 2000 }), split,
      (cap, skipCap, extra, sp) => {
        const base = x.parserInit(cap, skipCap);
        const m: Model = { cmd: "publish", topic: "o/v", payload: fillBytes(cap + extra, cap), qos: 2, retain: true, dup: true, messageId: 9 };
        const big = mqtt.generate(toMqtt(m), { protocolVersion: 4 });
        const next = Buffer.from([0x62, 2, 0x12, 0x34]); // PUBREL 0x1234
        const guard = h.mem().slice(base + cap, base + cap + 64);
        const stream = Buffer.concat([big, next]);
        const cuts = chunks(stream.length, sp);
        x.parserReset();
        h.put(0, stream);
        let pos = 0, ci = 0, pend = 0, packets = 0;
        while (pos < stream.length) {
          if (pend === 0) pend = Math.min(cuts[ci++] ?? stream.length, stream.length - pos);
          const r = x.parserPush(pos, pend);
          assert.ok(r > 0);
          pos += r; pend -= r;
          if (x.parserDone()) {
            if (packets === 0) {
              const hl = headerLen(big);
              const rem = big.length - hl;
              assert.equal(x.parserRemaining(), rem);
              assert.equal(x.parserTruncated(), rem > cap ? 1 : 0);
              assert.equal(x.parserLength(), Math.min(rem, cap));
              assert.deepEqual(h.read(x.parserBody(), x.parserLength()), big.subarray(hl, hl + x.parserLength()));
            } else if (cap < 2) {
              assert.equal(x.parserTruncated(), 1); // even the PUBREL does not fit
              assert.equal(x.parserLength(), cap);
            } else {
              assert.equal(x.parserDecode(), OK);
              assert.equal(x.pkType(), 6);
              assert.equal(x.packetId(), 0x1234);
            }
            packets++;
            x.parserReset();
          }
        }
        assert.equal(packets, 2);
        assert.deepEqual(h.mem().slice(base + cap, base + cap + 64), guard, "wrote past the body buffer");
      }), { numRuns: 500 });
    normal();
  });
});

// ---------------------------------------------------------------- malformed

describe("malformed input: errors, never a trap", () => {
  test("random byte streams fed to the parser and decoder", () => {
    normal();
    const x = h.x;
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), split, (u8, sp) => {
      const bytes = Buffer.from(u8);
      h.put(0, bytes);
      x.parserReset();
      const cuts = chunks(bytes.length, sp);
      let pos = 0, ci = 0, pend = 0;
      while (pos < bytes.length) {
        if (pend === 0) pend = Math.min(cuts[ci++] ?? bytes.length, bytes.length - pos);
        const r = x.parserPush(pos, pend); // a trap throws WebAssembly.RuntimeError
        if (r < 0) {
          assert.equal(r, E_REMAINING_LENGTH);
          x.parserReset();
          pos++; pend = 0;
          continue;
        }
        pos += r; pend -= r;
        if (x.parserDone()) {
          const d = x.parserDecode();
          assert.ok(d === OK || [E_MALFORMED, E_BAD_UTF8, E_BAD_TOPIC, E_BAD_QOS].includes(d), `decode gave ${d}`);
          x.parserReset();
        }
      }
    }), { numRuns: 20000 });
  });

  test("random first byte and body straight into decodePacket", () => {
    normal();
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }), (first, body) => {
      h.put(0, Buffer.from(body));
      const d = h.x.decodePacket(first, 0, body.length);
      assert.ok(d <= 0);
    }), { numRuns: 20000 });
  });

  // Mutated valid packets reach deep into the decoder. Whatever atmqtt
  // accepts must be a packet mqtt-packet parses to the same fields.
  test("mutated valid packets: no trap; what atmqtt accepts mqtt-packet reads alike", () => {
    normal();
    const mutation = fc.record({
      kind: fc.constantFrom("flip", "set", "truncate", "extend", "first"),
      at: fc.nat(),
      v: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(fc.property(anyPacket, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, muts) => {
      const b = mqtt.generate(toMqtt(m), { protocolVersion: 4 });
      let first = b[0];
      let body = Buffer.from(b.subarray(headerLen(b)));
      for (const mu of muts) {
        const i = body.length > 0 ? mu.at % body.length : 0;
        if (mu.kind === "flip" && body.length > 0) body[i] ^= 1 << (mu.v & 7);
        else if (mu.kind === "set" && body.length > 0) body[i] = mu.v;
        else if (mu.kind === "truncate") body = body.subarray(0, i);
        else if (mu.kind === "extend") body = Buffer.concat([body, Buffer.from([mu.v])]);
        else if (mu.kind === "first") first = (first & 0xf0) | (mu.v & 0x0f);
      }
      h.put(0, body);
      const d = h.x.decodePacket(first, 0, body.length);
      if (d !== OK) return;
      const again = pkt(first, body);
      const { packets, error } = mp.parse(again);
      assert.equal(error, null, `atmqtt accepted what mqtt-packet refuses (${again.toString("hex")}): ${error?.message}`);
      assert.equal(packets.length, 1);
      assert.deepEqual(fromMqtt(packets[0]), fromDecoded(h.decoded()));
    }), { numRuns: 20000 });
  });

  test("a 5-byte remaining length is refused (mqtt-packet agrees)", () => {
    normal();
    for (const len of [[0x80, 0x80, 0x80, 0x80, 0x01], [0xff, 0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x80]]) {
      const bytes = Buffer.from([0x30, ...len, 0, 1, 0x61]);
      for (const mode of ["whole", "bytes"] as const) {
        assert.equal(decodeBytes(bytes, { mode, seed: 1 }), E_REMAINING_LENGTH);
      }
      assert.notEqual(mp.parse(bytes).error, null);
    }
    // 4 bytes with the top bit clear on the last is fine: framed, not an error
    h.x.parserInit(16, 8);
    assert.equal(h.frame(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x01]), [1, 1, 1, 1, 1]).err, 0);
    assert.equal(h.x.parserRemaining(), 2097152);
    normal();
  });

  test("truncated strings and fields", () => {
    normal();
    const cases: [string, Buffer][] = [
      ["PUBLISH topic overruns the body", pkt(0x30, [0, 5, 0x61, 0x62])],
      ["PUBLISH topic length alone, cut", pkt(0x30, [0])],
      ["PUBLISH empty body", pkt(0x30, [])],
      ["PUBLISH QoS 1 without room for the id", pkt(0x32, [0, 1, 0x61, 0])],
      ["CONNECT protocol name cut", pkt(0x10, [0, 4, 0x4d, 0x51])],
      ["CONNECT no flags/keep alive", pkt(0x10, [...str("MQTT"), 4, 2])],
      ["CONNECT client id overruns", pkt(0x10, [...str("MQTT"), 4, 2, 0, 60, 0, 9, 0x61])],
      ["CONNECT no client id", pkt(0x10, [...str("MQTT"), 4, 2, 0, 60])],
      ["CONNECT will topic missing", pkt(0x10, [...str("MQTT"), 4, 0x06, 0, 60, ...str("c")])],
      ["CONNECT will payload overruns", pkt(0x10, [...str("MQTT"), 4, 0x06, 0, 60, ...str("c"), ...str("w"), 0, 3, 1])],
      ["CONNECT user name overruns", pkt(0x10, [...str("MQTT"), 4, 0x82, 0, 60, ...str("c"), 0, 4, 0x75])],
      ["CONNECT password missing", pkt(0x10, [...str("MQTT"), 4, 0xc2, 0, 60, ...str("c"), ...str("u")])],
      ["CONNECT trailing byte", pkt(0x10, [...str("MQTT"), 4, 2, 0, 60, ...str("c"), 0])],
      ["SUBSCRIBE filter overruns", pkt(0x82, [0, 1, 0, 5, 0x61, 1])],
      ["SUBSCRIBE filter without QoS byte", pkt(0x82, [0, 1, ...str("a/b")])],
      ["SUBSCRIBE length byte cut", pkt(0x82, [0, 1, 0])],
      ["UNSUBSCRIBE filter overruns", pkt(0xa2, [0, 1, 0, 3, 0x61])],
      ["PUBACK one byte", pkt(0x40, [0])],
      ["PUBACK three bytes", pkt(0x40, [0, 1, 0])],
      ["CONNACK one byte", pkt(0x20, [0])],
      ["CONNACK three bytes", pkt(0x20, [0, 0, 0])],
      ["UNSUBACK three bytes", pkt(0xb0, [0, 1, 0])],
      ["PINGREQ with a body", pkt(0xc0, [0])],
      ["DISCONNECT with a body", pkt(0xe0, [0])],
    ];
    for (const [name, bytes] of cases) {
      const r = decodeBytes(bytes, { mode: "bytes", seed: 1 });
      assert.ok(r < 0, `${name}: accepted`);
      assert.ok([E_MALFORMED, E_BAD_TOPIC].includes(r), `${name}: ${r}`);
    }
  });

  test("bad fixed-header flags for every type (mqtt-packet agrees)", () => {
    normal();
    const bodies: Record<number, number[]> = {
      1: [...str("MQTT"), 4, 2, 0, 60, ...str("c")], 2: [0, 0], 4: [0, 1], 5: [0, 1], 6: [0, 1], 7: [0, 1],
      8: [0, 1, ...str("a"), 0], 9: [0, 1, 0], 10: [0, 1, ...str("a")], 11: [0, 1], 12: [], 13: [], 14: [],
    };
    for (const [t, body] of Object.entries(bodies).map(([k, v]) => [Number(k), v] as const)) {
      const good = t === 6 || t === 8 || t === 10 ? 2 : 0;
      for (let f = 0; f < 16; f++) {
        const r = decodeBytes(pkt((t << 4) | f, body));
        if (f === good) assert.equal(r, OK, `type ${t} flags ${f}`);
        else {
          assert.equal(r, E_MALFORMED, `type ${t} flags ${f}`);
          assert.notEqual(mp.parse(pkt((t << 4) | f, body)).error, null, `mqtt-packet took type ${t} flags ${f}`);
        }
      }
    }
    // reserved types 0 and 15 (15 is AUTH in MQTT 5 only)
    for (let f = 0; f < 16; f++) {
      assert.equal(decodeBytes(pkt(f, [])), E_MALFORMED);
      assert.equal(decodeBytes(pkt(0xf0 | f, [])), E_MALFORMED);
    }
    // PUBLISH: every flag combination but QoS 3 is legal
    for (let f = 0; f < 16; f++) {
      const q = (f >> 1) & 3;
      const r = decodeBytes(pkt(0x30 | f, [...str("a"), ...(q > 0 ? [0, 1] : [])]));
      assert.equal(r, q === 3 ? E_BAD_QOS : OK, `PUBLISH flags ${f}`);
    }
  });

  test("QoS 3: PUBLISH, CONNECT will, SUBSCRIBE request; encoders refuse it", () => {
    normal();
    assert.equal(decodeBytes(pkt(0x36, [...str("a"), 0, 1])), E_BAD_QOS);
    assert.notEqual(mp.parse(pkt(0x36, [...str("a"), 0, 1])).error, null);
    assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 0x1e, 0, 60, ...str("c"), ...str("w"), ...str("p")])), E_BAD_QOS);
    assert.equal(decodeBytes(pkt(0x82, [0, 1, ...str("a"), 3])), E_BAD_QOS);
    // reserved bits of the requested QoS byte (3.8.3-4)
    assert.equal(decodeBytes(pkt(0x82, [0, 1, ...str("a"), 0x04])), E_BAD_QOS);
    // will QoS / retain without the will flag (3.1.2-13, -15)
    assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 0x0a, 0, 60, ...str("c")])), E_MALFORMED);
    assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 0x22, 0, 60, ...str("c")])), E_MALFORMED);
    const x = h.x;
    h.put(0, Buffer.from("a/b"));
    assert.equal(x.encodePublish(100, 100, 0, 3, 0, 0, 3, 0, 0, 1), E_BAD_QOS);
    assert.equal(x.encodePublish(100, 100, 0, 3, 0, 0, -1, 0, 0, 1), E_BAD_QOS);
    assert.equal(x.encodeConnect(100, 100, 0, 1, 1, 60, 0, -1, 0, -1, 0, 3, 0, 0, 3, 0), E_BAD_QOS);
    h.put(10, filterList([{ topic: "a", qos: 3 }], true));
    assert.equal(x.encodeSubscribe(100, 100, 1, 10, 4), E_BAD_QOS);
  });

  test("packet id 0 is refused everywhere it is carried (mqtt-packet is lenient here)", () => {
    normal();
    const cases: Buffer[] = [
      pkt(0x32, [...str("a"), 0, 0]), pkt(0x34, [...str("a"), 0, 0]),
      pkt(0x40, [0, 0]), pkt(0x50, [0, 0]), pkt(0x62, [0, 0]), pkt(0x70, [0, 0]),
      pkt(0x82, [0, 0, ...str("a"), 0]), pkt(0x90, [0, 0, 0]), pkt(0xa2, [0, 0, ...str("a")]), pkt(0xb0, [0, 0]),
    ];
    for (const b of cases) assert.equal(decodeBytes(b), E_MALFORMED, b.toString("hex"));
    // QoS 0 carries no id: its first two payload bytes may be zero
    assert.equal(decodeBytes(pkt(0x30, [...str("a"), 0, 0])), OK);
    assert.equal(h.x.payloadLen(), 2);
    const x = h.x;
    h.put(0, Buffer.from("a"));
    assert.equal(x.encodePublish(100, 100, 0, 1, 0, 0, 1, 0, 0, 0), E_BAD_ARGUMENT);
    assert.equal(x.encodePublish(100, 100, 0, 1, 0, 0, 2, 0, 0, 65536), E_BAD_ARGUMENT);
    for (const t of [4, 5, 6, 7, 11]) assert.equal(x.encodeAck(100, 100, t, 0), E_BAD_ARGUMENT);
    h.put(10, filterList([{ topic: "a", qos: 0 }], true));
    assert.equal(x.encodeSubscribe(100, 100, 0, 10, 4), E_BAD_ARGUMENT);
    assert.equal(x.encodeUnsubscribe(100, 100, 0, 10, 3), E_BAD_ARGUMENT);
    h.put(10, Buffer.from([0]));
    assert.equal(x.encodeSuback(100, 100, 0, 10, 1), E_BAD_ARGUMENT);
  });

  // Invalid UTF-8 per 1.5.3 / RFC 3629. mqtt-packet decodes strings with
  // replacement characters and accepts all of these.
  const badUtf8: [string, number[]][] = [
    ["overlong NUL", [0xc0, 0x80]], ["overlong C1", [0xc1, 0xbf]], ["overlong 3-byte", [0xe0, 0x80, 0x80]],
    ["overlong 3-byte max", [0xe0, 0x9f, 0xbf]], ["overlong 4-byte", [0xf0, 0x80, 0x80, 0x80]], ["overlong 4-byte max", [0xf0, 0x8f, 0xbf, 0xbf]],
    ["high surrogate", [0xed, 0xa0, 0x80]], ["low surrogate", [0xed, 0xbf, 0xbf]], ["CESU pair", [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
    ["U+0000", [0x00]], ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]], ["F5 lead", [0xf5, 0x80, 0x80, 0x80]],
    ["5-byte form", [0xf8, 0x88, 0x80, 0x80, 0x80]], ["FF", [0xff]], ["FE", [0xfe]],
    ["lone continuation", [0x80]], ["two continuations", [0xbf, 0x80]], ["bad continuation", [0xc3, 0x28]],
    ["3-byte bad continuation", [0xe2, 0x28, 0xa1]], ["cut 3-byte", [0xe2, 0x82]], ["cut 2-byte", [0xc3]], ["cut 4-byte", [0xf0, 0x9f, 0x98]],
  ];
  const goodUtf8: number[][] = [
    [0x7f], [0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf],
    [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0x01],
  ];

  test("invalid UTF-8 (overlong, surrogates, U+0000, > U+10FFFF, cut) in topics, filters and CONNECT strings", () => {
    normal();
    const x = h.x;
    for (const [name, seq] of badUtf8) {
      for (const t of [Buffer.from(seq), Buffer.from([0x61, 0x2f, ...seq]), Buffer.from([...seq, 0x2f, 0x62]), Buffer.from([0x61, ...seq, 0x62])]) {
        h.put(0, t);
        assert.equal(x.validUtf8(0, t.length), 0, `${name}: validUtf8`);
        assert.equal(x.checkTopicName(0, t.length), E_BAD_UTF8, `${name}: checkTopicName`);
        assert.equal(x.checkTopicFilter(0, t.length), E_BAD_UTF8, `${name}: checkTopicFilter`);
        assert.equal(x.encodePublish(1000, 1000, 0, t.length, 0, 0, 0, 0, 0, 0), E_BAD_UTF8, `${name}: encodePublish`);
        assert.equal(x.encodeConnect(1000, 1000, 0, t.length, 1, 60, 0, -1, 0, -1, 0, -1, 0, 0, 0, 0), E_BAD_ARGUMENT, `${name}: encodeConnect id`);
        assert.equal(decodeBytes(pkt(0x30, [...str(t), 1, 2])), E_BAD_UTF8, `${name}: PUBLISH`);
        assert.equal(decodeBytes(pkt(0x82, [0, 1, ...str(t), 0])), E_BAD_UTF8, `${name}: SUBSCRIBE`);
        assert.equal(decodeBytes(pkt(0xa2, [0, 1, ...str(t)])), E_BAD_UTF8, `${name}: UNSUBSCRIBE`);
        assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 2, 0, 60, ...str(t)])), E_MALFORMED, `${name}: client id`);
        assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 6, 0, 60, ...str("c"), ...str(t), ...str("p")])), E_MALFORMED, `${name}: will topic`);
        assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 0x82, 0, 60, ...str("c"), ...str(t)])), E_MALFORMED, `${name}: user name`);
      }
    }
    for (const seq of goodUtf8) {
      const t = Buffer.from([0x61, 0x2f, ...seq]);
      h.put(0, t);
      assert.equal(x.validUtf8(0, t.length), 1, `valid ${Buffer.from(seq).toString("hex")}`);
      assert.equal(decodeBytes(pkt(0x30, [...str(t)])), OK);
    }
    // binary fields are not UTF-8: password, will payload, PUBLISH payload
    const bin = [0xff, 0x00, 0xc0, 0x80, 0xed, 0xa0, 0x80];
    assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 0xc6, 0, 60, ...str("c"), ...str("w"), ...str(bin), ...str("u"), ...str(bin)])), OK);
    assert.equal(decodeBytes(pkt(0x30, [...str("t"), ...bin])), OK);
  });

  test("wildcards in PUBLISH topics and will topics; empty topics", () => {
    normal();
    const x = h.x;
    for (const t of ["+", "#", "a/+", "a/#", "a/b#", "a+/b", "+/a", "sport/tennis/#", "a/+/b"]) {
      const b = Buffer.from(t);
      h.put(0, b);
      assert.equal(x.checkTopicName(0, b.length), E_BAD_TOPIC, t);
      assert.equal(x.encodePublish(1000, 1000, 0, b.length, 0, 0, 1, 0, 0, 5), E_BAD_TOPIC, t);
      assert.equal(x.encodeConnect(1000, 1000, 100, 0, 1, 0, 0, -1, 0, -1, 0, b.length, 0, 0, 0, 0), E_BAD_ARGUMENT, t);
      assert.equal(decodeBytes(pkt(0x30, [...str(t), 0x70])), E_BAD_TOPIC, t); // mqtt-packet takes it
      assert.equal(decodeBytes(pkt(0x10, [...str("MQTT"), 4, 6, 0, 60, ...str("c"), ...str(t), ...str("p")])), E_MALFORMED, t);
    }
    assert.equal(decodeBytes(pkt(0x30, [0, 0, 0x70])), E_BAD_TOPIC, "empty topic (4.7.3-1)");
    assert.equal(x.checkTopicName(0, 0), E_BAD_TOPIC);
    assert.equal(x.checkTopicFilter(0, 0), E_BAD_TOPIC);
  });

  test("bad topic filters: a/#/b, a+, #a and friends", () => {
    normal();
    const x = h.x;
    const bad = ["a/#/b", "a+", "#a", "+a", "a#", "a/b+", "a/+b", "##", "++", "#/", "#/a", "a/#/", "+#", "a/b/c#", "/#/"];
    const good = ["#", "+", "+/+", "/", "//", "a//b", "a/#", "+/#", "/#", "$SYS/#", "a/+/b", "+/+/#", "a/b/c", "é/+/ü"];
    for (const f of bad) {
      const b = Buffer.from(f);
      h.put(0, b);
      assert.equal(x.checkTopicFilter(0, b.length), E_BAD_TOPIC, f);
      const list = filterList([{ topic: "ok", qos: 0 }, { topic: f, qos: 1 }], true);
      h.put(100, list);
      assert.equal(x.encodeSubscribe(1000, 1000, 1, 100, list.length), E_BAD_TOPIC, f);
      const ul = filterList([{ topic: f }], false);
      h.put(100, ul);
      assert.equal(x.encodeUnsubscribe(1000, 1000, 1, 100, ul.length), E_BAD_TOPIC, f);
      assert.equal(decodeBytes(pkt(0x82, [0, 1, ...list])), E_BAD_TOPIC, f); // mqtt-packet takes it
      assert.equal(decodeBytes(pkt(0xa2, [0, 1, ...ul])), E_BAD_TOPIC, f);
    }
    for (const f of good) {
      const b = Buffer.from(f);
      h.put(0, b);
      assert.equal(x.checkTopicFilter(0, b.length), OK, f);
      assert.equal(decodeBytes(pkt(0x82, [0, 1, ...filterList([{ topic: f, qos: 2 }], true)])), OK, f);
    }
    // empty lists (3.8.3-3, 3.10.3-2)
    assert.equal(decodeBytes(pkt(0x82, [0, 1])), E_MALFORMED);
    assert.equal(decodeBytes(pkt(0xa2, [0, 1])), E_MALFORMED);
    assert.equal(x.encodeSubscribe(1000, 1000, 1, 100, 0), E_MALFORMED);
    assert.equal(x.encodeUnsubscribe(1000, 1000, 1, 100, 0), E_MALFORMED);
  });

  test("SUBACK return codes other than 0, 1, 2, 0x80 (mqtt-packet agrees)", () => {
    normal();
    const x = h.x;
    for (let c = 0; c < 256; c++) {
      const ok = c <= 2 || c === 0x80;
      const b = pkt(0x90, [0, 7, 0, c, 1]);
      assert.equal(decodeBytes(b), ok ? OK : E_MALFORMED, `code ${c}`);
      assert.equal(mp.parse(b).error === null, ok, `mqtt-packet code ${c}`);
      h.put(0, Buffer.from([1, c]));
      assert.equal(x.encodeSuback(100, 100, 7, 0, 2) > 0, ok, `encodeSuback code ${c}`);
    }
    assert.equal(decodeBytes(pkt(0x90, [0, 7])), E_MALFORMED, "SUBACK without codes");
    assert.equal(x.encodeSuback(100, 100, 7, 0, 0), E_BAD_ARGUMENT);
  });

  test("CONNECT protocol name / level wrong, reserved flag, password without user", () => {
    normal();
    const rest = [2, 0, 60, ...str("c")];
    const cases: [string, number[], boolean][] = [
      ["MQIsdp level 3 (3.1)", [...str("MQIsdp"), 3, ...rest], false],
      ["MQTT level 3", [...str("MQTT"), 3, ...rest], false],
      ["MQTT level 5", [...str("MQTT"), 5, ...rest], false],
      ["MQTT level 0x84 (bridge)", [...str("MQTT"), 0x84, ...rest], false],
      ["mqtt lowercase", [...str("mqtt"), 4, ...rest], false],
      ["MQTX", [...str("MQTX"), 4, ...rest], false],
      ["MQTTT", [...str("MQTTT"), 4, ...rest], false],
      ["empty name", [...str(""), 4, ...rest], false],
      ["reserved flag bit 0", [...str("MQTT"), 4, 3, 0, 60, ...str("c")], false],
      ["password without user name", [...str("MQTT"), 4, 0x42, 0, 60, ...str("c"), ...str("p")], false],
      ["minimal", [...str("MQTT"), 4, ...rest], true],
      ["empty id, not clean (answered by CONNACK 2, not malformed)", [...str("MQTT"), 4, 0, 0, 60, ...str("")], true],
    ];
    for (const [name, body, ok] of cases) {
      assert.equal(decodeBytes(pkt(0x10, body)), ok ? OK : E_MALFORMED, name);
    }
    const x = h.x;
    // encoder side: empty client id needs clean session; password needs user
    assert.equal(x.encodeConnect(100, 100, 0, 0, 0, 60, 0, -1, 0, -1, 0, -1, 0, 0, 0, 0), E_BAD_ARGUMENT);
    assert.equal(x.encodeConnect(100, 100, 0, 0, 1, 60, 0, -1, 0, 0, 0, -1, 0, 0, 0, 0), E_BAD_ARGUMENT);
    assert.equal(x.encodeConnect(100, 100, 0, 0, 1, 65536, 0, -1, 0, -1, 0, -1, 0, 0, 0, 0), E_BAD_ARGUMENT);
    assert.equal(x.encodeConnect(100, 100, 0, -1, 1, 60, 0, -1, 0, -1, 0, -1, 0, 0, 0, 0), E_BAD_ARGUMENT);
  });

  test("CONNACK: reserved flag bits, session present with a refusal", () => {
    normal();
    assert.equal(decodeBytes(pkt(0x20, [0x02, 0])), E_MALFORMED);
    assert.equal(decodeBytes(pkt(0x20, [0x01, 5])), E_MALFORMED);
    assert.equal(decodeBytes(pkt(0x20, [0x01, 0])), OK);
    assert.equal(h.x.sessionPresent(), 1);
    assert.equal(h.x.encodeConnack(0, 100, 1, 3), E_BAD_ARGUMENT);
    assert.equal(h.x.encodeConnack(0, 100, 0, 256), E_BAD_ARGUMENT);
  });

  test("encoders: wrong types, oversized lengths, no room", () => {
    normal();
    const x = h.x;
    for (const t of [0, 1, 2, 3, 8, 9, 10, 12, 13, 14, 15]) assert.equal(x.encodeAck(0, 100, t, 1), E_BAD_ARGUMENT, `ack type ${t}`);
    for (let t = 0; t < 16; t++) if (t < 12 || t > 14) assert.equal(x.encodeEmpty(0, 100, t), E_BAD_ARGUMENT, `empty type ${t}`);
    for (const t of [12, 13, 14]) {
      assert.equal(x.encodeEmpty(0, 1, t), E_BUFFER_TOO_SHORT);
      assert.equal(x.encodeEmpty(0, 2, t), 2);
    }
    h.put(0, Buffer.from("a"));
    assert.equal(x.encodePublish(100, 1000, 0, 1, 0, 268435455, 0, 0, 0, 0), E_PACKET_TOO_LARGE);
    assert.equal(x.encodePublish(100, 1000, 0, 1, 0, 0x7fffffff, 1, 0, 0, 1), E_PACKET_TOO_LARGE);
    assert.equal(x.encodePublish(100, 1000, 0, 1, 0, -1, 0, 0, 0, 0), E_BAD_ARGUMENT);
    assert.equal(x.encodePublish(100, 1000, 0, 1, 0, 0, 0, 0, 1, 0), E_BAD_ARGUMENT, "DUP on QoS 0 (3.3.1-2)");
    assert.equal(x.encodeSuback(100, 1000, 1, 0, 0x7ffffffe), E_PACKET_TOO_LARGE);
    assert.equal(x.encodeSubscribe(100, 1000, 1, 0, 0x7ffffffe), E_PACKET_TOO_LARGE);
  });
});
