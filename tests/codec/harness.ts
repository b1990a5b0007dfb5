// Loads build/codec-harness.wasm (tests/harness/codec.ts) and wraps it for
// the codec tests: byte helpers over the scratch buffer, a parser feeder
// and a decoded-packet snapshot. Builds the harness when it is missing or
// older than the codec sources.
import { readFileSync, statSync, existsSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wasmPath = join(root, "build", "codec-harness.wasm");

export interface HarnessExports {
  memory: WebAssembly.Memory;
  scratch(): number;
  scratchSize(): number;
  useBigScratch(n: number): number;
  varintSize(v: number): number;
  writeVarint(off: number, v: number): number;
  encodeConnect(out: number, cap: number, clientId: number, clientIdLen: number, clean: number, keepAlive: number,
    user: number, userLen: number, pass: number, passLen: number,
    willTopic: number, willTopicLen: number, willPayload: number, willPayloadLen: number,
    willQos: number, willRetain: number): number;
  encodeConnack(out: number, cap: number, sessionPresent: number, rc: number): number;
  encodePublish(out: number, cap: number, topic: number, topicLen: number, payload: number, payloadLen: number,
    qos: number, retain: number, dup: number, packetId: number): number;
  encodeAck(out: number, cap: number, type: number, packetId: number): number;
  encodeEmpty(out: number, cap: number, type: number): number;
  encodeSubscribe(out: number, cap: number, packetId: number, list: number, n: number): number;
  encodeUnsubscribe(out: number, cap: number, packetId: number, list: number, n: number): number;
  encodeSuback(out: number, cap: number, packetId: number, codes: number, n: number): number;
  checkFilterList(list: number, n: number, withQos: number): number;
  validUtf8(off: number, n: number): number;
  checkTopicName(off: number, n: number): number;
  checkTopicFilter(off: number, n: number): number;
  topicMatches(f: number, fl: number, t: number, tl: number): number;
  parserInit(cap: number, skipCap: number): number;
  parserPush(off: number, n: number): number;
  parserReset(): void;
  parserDone(): number;
  parserNeed(): number;
  parserTruncated(): number;
  parserLength(): number;
  parserRemaining(): number;
  parserFirst(): number;
  parserBody(): number;
  parserDecode(): number;
  decodePacket(first: number, body: number, n: number): number;
  pkType(): number;
  pkFlags(): number;
  packetId(): number;
  topic(): number;
  topicLen(): number;
  payload(): number;
  payloadLen(): number;
  qos(): number;
  retain(): number;
  dup(): number;
  sessionPresent(): number;
  returnCode(): number;
  count(): number;
  clientId(): number;
  clientIdLen(): number;
  keepAlive(): number;
  cleanSession(): number;
  hasWill(): number;
  user(): number;
  userLen(): number;
  pass(): number;
  passLen(): number;
}

function newestSource(): number {
  let t = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(root, "assembly", "mqtt", "codec"));
  t = Math.max(t, statSync(join(root, "assembly", "mqtt", "topic.ts")).mtimeMs);
  t = Math.max(t, statSync(join(root, "tests", "harness", "codec.ts")).mtimeMs);
  return t;
}

function ensureBuilt(): void {
  if (existsSync(wasmPath) && statSync(wasmPath).mtimeMs >= newestSource()) return;
  const args = ["tests/harness/codec.ts", "--target", "harness"];
  if (existsSync(join(root, "scripts", "ascii-transform.mjs"))) args.push("--transform", "./scripts/ascii-transform.mjs"); // as build:test
  execFileSync(join(root, "node_modules", ".bin", "asc"), args, {
    cwd: root,
    stdio: "inherit",
  });
}

export class Harness {
  readonly x: HarnessExports;
  private view: Uint8Array;

  constructor() {
    ensureBuilt();
    const mod = new WebAssembly.Module(readFileSync(wasmPath));
    if (WebAssembly.Module.imports(mod).length !== 0) {
      throw new Error("codec harness must not import anything: " + JSON.stringify(WebAssembly.Module.imports(mod)));
    }
    const inst = new WebAssembly.Instance(mod, {});
    this.x = inst.exports as unknown as HarnessExports;
    this.view = new Uint8Array(this.x.memory.buffer);
  }

  /** The whole linear memory (re-viewed after a grow). */
  mem(): Uint8Array {
    if (this.view.buffer !== this.x.memory.buffer || this.view.byteLength === 0) {
      this.view = new Uint8Array(this.x.memory.buffer);
    }
    return this.view;
  }

  /** Copies bytes into the scratch buffer at off. */
  put(off: number, bytes: Uint8Array): void {
    if (off + bytes.length > this.x.scratchSize()) throw new Error(`scratch overflow: ${off}+${bytes.length}`);
    this.mem().set(bytes, this.x.scratch() + off);
  }

  /** Bytes at an absolute address. */
  read(ptr: number, n: number): Buffer {
    return Buffer.from(this.mem().slice(ptr, ptr + n));
  }

  /** Bytes at a scratch offset. */
  readScratch(off: number, n: number): Buffer {
    return this.read(this.x.scratch() + off, n);
  }

  /**
   * Feeds a stream to the parser in the given chunk sizes, one packet.
   * Returns the parser's framing result: the bytes it took, or a negative
   * error; done tells whether a whole packet was framed.
   */
  frame(bytes: Uint8Array, chunks: number[]): { used: number; err: number; done: boolean } {
    const x = this.x;
    x.parserReset();
    this.put(0, bytes);
    let pos = 0;
    let ci = 0;
    while (pos < bytes.length && !x.parserDone()) {
      const want = ci < chunks.length ? chunks[ci++] : bytes.length - pos;
      const k = Math.min(Math.max(want, 1), bytes.length - pos);
      const r = x.parserPush(pos, k);
      if (r < 0) return { used: pos, err: r, done: false };
      pos += r;
      if (r < k && !x.parserDone()) throw new Error("parser stopped short of a packet end");
    }
    return { used: pos, err: 0, done: x.parserDone() !== 0 };
  }

  /** Snapshot of every decoded global, pointers read out as bytes. */
  decoded(): Decoded {
    const x = this.x;
    const tl = x.topicLen();
    const pl = x.payloadLen();
    const cl = x.clientIdLen();
    const ul = x.userLen();
    const wl = x.passLen();
    return {
      type: x.pkType(),
      flags: x.pkFlags(),
      packetId: x.packetId(),
      topic: tl >= 0 ? this.read(x.topic(), tl) : null,
      payload: pl >= 0 ? this.read(x.payload(), pl) : null,
      qos: x.qos(),
      retain: x.retain() !== 0,
      dup: x.dup() !== 0,
      sessionPresent: x.sessionPresent() !== 0,
      returnCode: x.returnCode(),
      count: x.count(),
      clientId: cl >= 0 ? this.read(x.clientId(), cl) : null,
      keepAlive: x.keepAlive(),
      cleanSession: x.cleanSession() !== 0,
      hasWill: x.hasWill() !== 0,
      user: ul >= 0 ? this.read(x.user(), ul) : null,
      pass: wl >= 0 ? this.read(x.pass(), wl) : null,
    };
  }
}

export interface Decoded {
  type: number;
  flags: number;
  packetId: number;
  topic: Buffer | null;
  payload: Buffer | null;
  qos: number;
  retain: boolean;
  dup: boolean;
  sessionPresent: boolean;
  returnCode: number;
  count: number;
  clientId: Buffer | null;
  keepAlive: number;
  cleanSession: boolean;
  hasWill: boolean;
  user: Buffer | null;
  pass: Buffer | null;
}

/** Error codes of assembly/errors.ts. */
export const OK = 0;
export const E_BUFFER_TOO_SHORT = -1;
export const E_REMAINING_LENGTH = -2;
export const E_MALFORMED = -3;
export const E_BAD_UTF8 = -4;
export const E_BAD_TOPIC = -5;
export const E_PACKET_TOO_LARGE = -6;
export const E_BAD_QOS = -9;
export const E_BAD_ARGUMENT = -10;
