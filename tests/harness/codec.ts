// Codec harness: thin exports over assembly/mqtt/codec and topic.ts so the
// JavaScript tests (tests/codec/*.test.ts) can drive the real wasm codec.
// Built by `npm run build:test` into build/codec-harness.wasm.
//
// Memory model: JS writes inputs into the scratch buffer and passes
// offsets into it; every encode* wrapper writes its packet into the
// scratch buffer at `out` (an offset too) and returns the length or a
// negative error. The scratch buffer is 70 KiB of static memory; tests that
// need more (4-byte remaining lengths) call useBigScratch(n), which moves
// the scratch to a heap block of n bytes. Decoded pointers (topic(),
// payload(), ...) are absolute addresses in `memory`.
import * as E from "../../assembly/mqtt/codec/encode";
import * as D from "../../assembly/mqtt/codec/decode";
import * as U from "../../assembly/mqtt/codec/utf8";
import { topicMatches as _topicMatches } from "../../assembly/mqtt/topic";
import { Parser } from "../../assembly/mqtt/codec/parser";
import { Options, optionsDefaults } from "../../assembly/mqtt/options";

const SCRATCH_BYTES: i32 = 70 * 1024;
const staticScratch: usize = memory.data(SCRATCH_BYTES, 16);
let base: usize = staticScratch;
let baseSize: i32 = SCRATCH_BYTES;
let bigBlock: usize = 0;
let bigSize: i32 = 0;

export function scratch(): usize { return base; }
export function scratchSize(): i32 { return baseSize; }

/** Switches the scratch buffer to a heap block of at least n bytes (n <= 70 KiB: back to static). */
export function useBigScratch(n: i32): usize {
  if (n <= SCRATCH_BYTES) {
    base = staticScratch;
    baseSize = SCRATCH_BYTES;
    return base;
  }
  if (n > bigSize) {
    bigBlock = heap.alloc(<usize>n); // the stub runtime never frees: grown only
    bigSize = n;
  }
  base = bigBlock;
  baseSize = bigSize;
  return base;
}

// ------------------------------------------------------------------ encoders

export function varintSize(v: i32): i32 { return E.varintSize(v); }
export function writeVarint(off: i32, v: i32): i32 { return E.writeVarint(base + off, v); }

/** CONNECT's fields in wire order, put in an options record. */
const connectOpts = changetype<Options>(memory.data(offsetof<Options>(), 4));
export function encodeConnect(
  out: i32, cap: i32,
  clientId: i32, clientIdLen: i32, clean: bool, keepAlive: i32,
  user: i32, userLen: i32, pass: i32, passLen: i32,
  willTopic: i32, willTopicLen: i32, willPayload: i32, willPayloadLen: i32,
  willQos: i32, willRetain: bool
): i32 {
  const o = connectOpts;
  optionsDefaults(o);
  o.clientId = base + clientId;
  o.clientIdLen = clientIdLen;
  o.clean = clean;
  o.keepAlive = keepAlive;
  o.user = base + user;
  o.userLen = userLen;
  o.pass = base + pass;
  o.passLen = passLen;
  o.willTopic = base + willTopic;
  o.willTopicLen = willTopicLen;
  o.willPayload = base + willPayload;
  o.willPayloadLen = willPayloadLen;
  o.willQos = <u8>willQos;
  o.willRetain = willRetain;
  return E.encodeConnect(base + out, cap, o);
}

export function encodeConnack(out: i32, cap: i32, sessionPresent: bool, rc: i32): i32 {
  return E.encodeConnack(base + out, cap, sessionPresent, rc);
}

export function encodePublish(
  out: i32, cap: i32, topic: i32, topicLen: i32, payload: i32, payloadLen: i32,
  qos: i32, retain: bool, dup: bool, packetId: i32
): i32 {
  return E.encodePublish(base + out, cap, base + topic, topicLen, base + payload, payloadLen, qos, retain, dup, packetId);
}

export function encodeAck(out: i32, cap: i32, type: i32, packetId: i32): i32 {
  return E.encodeAck(base + out, cap, <u8>type, packetId);
}

export function encodeEmpty(out: i32, cap: i32, type: i32): i32 {
  return E.encodeEmpty(base + out, cap, <u8>type);
}

export function encodeSubscribe(out: i32, cap: i32, packetId: i32, list: i32, n: i32): i32 {
  return E.encodeSubscribe(base + out, cap, packetId, base + list, n);
}

export function encodeUnsubscribe(out: i32, cap: i32, packetId: i32, list: i32, n: i32): i32 {
  return E.encodeUnsubscribe(base + out, cap, packetId, base + list, n);
}

export function encodeSuback(out: i32, cap: i32, packetId: i32, codes: i32, n: i32): i32 {
  return E.encodeSuback(base + out, cap, packetId, base + codes, n);
}

export function checkFilterList(list: i32, n: i32, withQos: bool): i32 {
  return E.checkFilterList(base + list, n, withQos);
}

// ------------------------------------------------------------------ utf8 / topics

export function validUtf8(off: i32, n: i32): bool { return U.validUtf8(base + off, n); }
export function checkTopicName(off: i32, n: i32): i32 { return U.checkTopicName(base + off, n); }
export function checkTopicFilter(off: i32, n: i32): i32 { return U.checkTopicFilter(base + off, n); }
export function topicMatches(f: i32, fl: i32, t: i32, tl: i32): bool {
  return _topicMatches(base + f, fl, base + t, tl);
}

// ------------------------------------------------------------------ parser

const SKIP_BYTES: i32 = 64;
const skipBuf: usize = memory.data(SKIP_BYTES, 16);
let rxBlock: usize = 0;
let rxBlockSize: i32 = 0;
let parser: Parser | null = null;

/**
 * (Re)creates the parser with a body buffer of cap bytes and a skip buffer
 * of skipCap bytes (1..64). Returns the body buffer's address.
 */
export function parserInit(cap: i32, skipCap: i32): usize {
  if (cap > rxBlockSize) {
    rxBlock = heap.alloc(<usize>max(cap, 16));
    rxBlockSize = cap;
  }
  const p = parser;
  if (p == null) parser = new Parser(rxBlock, cap, skipBuf, min(max(skipCap, 1), SKIP_BYTES));
  else {
    p.buf = rxBlock;
    p.cap = cap;
    p.skipCap = min(max(skipCap, 1), SKIP_BYTES);
    p.reset();
  }
  return rxBlock;
}

function P(): Parser {
  if (parser == null) parserInit(SCRATCH_BYTES, SKIP_BYTES);
  return <Parser>parser;
}

/** Feeds scratch[off..off+n) to the parser: bytes taken (stops at a packet end) or an error. */
export function parserPush(off: i32, n: i32): i32 { return P().push(base + off, n); }
export function parserReset(): void { P().reset(); }
export function parserDone(): bool { return P().done(); }
export function parserNeed(): i32 { return P().need(); }
export function parserTruncated(): bool { return P().truncated(); }
export function parserLength(): i32 { return P().length(); }
export function parserRemaining(): i32 { return P().remaining; }
export function parserFirst(): i32 { return P().first; }
export function parserBody(): usize { return P().buf; }
/** decodePacket over the packet the parser holds. */
export function parserDecode(): i32 {
  const p = P();
  return D.decodePacket(p.first, p.buf, p.length());
}

/** decodePacket over scratch bytes: first byte and body[off..off+n). */
export function decodePacket(first: i32, body: i32, n: i32): i32 {
  return D.decodePacket(<u8>first, base + body, n);
}

// ------------------------------------------------------------------ decoded fields

export function pkType(): i32 { return D.pk.type; }
export function pkFlags(): i32 { return D.pk.flags; }
export function packetId(): i32 { return D.pk.packetId; }
export function topic(): usize { return D.pk.topic; }
export function topicLen(): i32 { return D.pk.topicLen; }
export function payload(): usize { return D.pk.payload; }
export function payloadLen(): i32 { return D.pk.payloadLen; }
export function qos(): i32 { return D.pk.qos; }
export function retain(): bool { return D.pk.retain; }
export function dup(): bool { return D.pk.dup; }
export function sessionPresent(): bool { return D.pk.sessionPresent; }
export function returnCode(): i32 { return D.pk.returnCode; }
export function count(): i32 { return D.pk.count; }
export function clientId(): usize { return D.connect().clientId; }
export function clientIdLen(): i32 { return D.connect().clientIdLen; }
export function keepAlive(): i32 { return D.connect().keepAlive; }
export function cleanSession(): bool { return D.connect().clean; }
export function hasWill(): bool { return D.connect().willTopicLen >= 0; }
export function version(): i32 { return D.connect().version; }
export function user(): usize { return D.connect().user; }
export function userLen(): i32 { return D.connect().userLen; }
export function pass(): usize { return D.connect().pass; }
export function passLen(): i32 { return D.connect().passLen; }
