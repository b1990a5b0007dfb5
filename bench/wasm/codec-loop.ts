// Codec loops for the codec benchmark (bench/codec.ts, bench/wasm/wasm3-codec.c):
// each export repeats encode + parse + decode of one packet kind n times
// inside the module, so what is timed is the firmware's own code path
// (encode into the TX buffer, the resumable parser copying into the RX
// buffer, the decoder's checks), not the JS/wasm boundary.
// AssemblyScript (not in tsconfig: the host typecheck skips bench/wasm/).
import * as E from "../../assembly/mqtt/codec/encode";
import * as D from "../../assembly/mqtt/codec/decode";
import { Parser } from "../../assembly/mqtt/codec/parser";
import * as T from "../../assembly/mqtt/codec/constants";

const BUF: i32 = 4352; // a 4 KiB payload with its headers; three of these fit the 16 KiB low-memory limit
const out: usize = memory.data(BUF, 16);
const body: usize = memory.data(BUF, 16);
const skip: usize = memory.data(64, 16);
const parserMem: usize = memory.data(offsetof<Parser>(), 16);
const input: usize = memory.data(BUF, 16);
const TOPIC_LEN: i32 = 13; // "atmqtt/bench/" + nothing: the same topic as mqtt-packet gets
const topic: usize = memory.data<u8>([0x61, 0x74, 0x6d, 0x71, 0x74, 0x74, 0x2f, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x2f]);
// SUBSCRIBE list in wire form: "atmqtt/+/cmd" QoS 1
const subList: usize = memory.data<u8>([0, 12, 0x61, 0x74, 0x6d, 0x71, 0x74, 0x74, 0x2f, 0x2b, 0x2f, 0x63, 0x6d, 0x64, 1]);
const SUB_LEN: i32 = 15;

/** Where the bench writes payload bytes before a run. */
export function inputBuffer(): usize { return input; }

function parse(n: i32): i32 {
  const p = Parser.at(parserMem, body, BUF, skip, 64);
  p.reset();
  const used = p.push(out, n);
  if (used != n || !p.done()) return -100;
  return D.decodePacket(p.first, body, p.length());
}

/** PUBLISH with len payload bytes at QoS q, n times; returns a checksum (or a negative error). */
export function publishLoop(len: i32, q: i32, n: i32): i32 {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = E.encodePublish(out, BUF, topic, TOPIC_LEN, input, len, q, false, false, q > 0 ? (i & 0x7FFF) + 1 : 0);
    if (k < 0) return k;
    const r = parse(k);
    if (r < 0) return r;
    sum = (sum + D.pk.payloadLen + D.pk.packetId) & 0x3FFFFFFF; // stays positive: errors are negative
  }
  return sum;
}

export function subscribeLoop(n: i32): i32 {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = E.encodeSubscribe(out, BUF, (i & 0x7FFF) + 1, subList, SUB_LEN);
    if (k < 0) return k;
    const r = parse(k);
    if (r < 0) return r;
    sum = (sum + D.pk.count) & 0x3FFFFFFF; // stays positive: errors are negative
  }
  return sum;
}

export function pingLoop(n: i32): i32 {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = E.encodeEmpty(out, BUF, T.PINGREQ);
    if (k < 0) return k;
    const r = parse(k);
    if (r < 0) return r;
    sum = (sum + <i32>D.pk.type) & 0x3FFFFFFF; // stays positive: errors are negative
  }
  return sum;
}
