// The resumable packet reader: any split of the input, oversized bodies
// kept up to the buffer and the rest skipped, framing errors.
import { hex, cat, str, fill } from "./helpers";
import { Parser } from "../../assembly/mqtt/codec/parser";
import * as D from "../../assembly/mqtt/codec/decode";
import { OK, E_REMAINING_LENGTH } from "../../assembly/errors";

const BUF: i32 = 64;
const GUARD: i32 = 16;
const body: usize = memory.data(BUF + GUARD, 16);
const skip: usize = memory.data(8 + GUARD, 16);

/** A PUBLISH "a/b" QoS 1 id 0x1234 with payload "hello!!": 16 bytes, body 14. */
function publish(): u8[] {
  return cat([[0x32, 14], str("a/b"), [0x12, 0x34], [0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0x21]]);
}

function setGuards(): void {
  for (let i = 0; i < GUARD; i++) {
    store<u8>(body + BUF + i, 0xee);
    store<u8>(skip + 8 + i, 0xee);
  }
}

function guardsIntact(): bool {
  for (let i = 0; i < GUARD; i++) {
    if (load<u8>(body + BUF + i) != 0xee || load<u8>(skip + 8 + i) != 0xee) return false;
  }
  return true;
}

/** Feeds a[from..) in chunks of `step` bytes with push(); returns the bytes taken (stops at a packet end). */
function feed(p: Parser, a: u8[], from: i32, step: i32): i32 {
  let pos = from;
  while (pos < a.length && !p.done()) {
    const k = min(step, a.length - pos);
    const r = p.push(a.dataStart + pos, k);
    if (r < 0) return r;
    if (r == 0) break; // no progress: a parser bug, reported by the caller's checks
    pos += r;
  }
  return pos - from;
}

/** The session's way: ask need() bytes at dest(), copy at most `step` there, advance(). */
function feedByNeed(p: Parser, a: u8[], from: i32, step: i32): i32 {
  let pos = from;
  while (pos < a.length && !p.done()) {
    const k = min(min(p.need(), step), a.length - pos);
    if (k <= 0) break;
    memory.copy(p.dest(), a.dataStart + pos, k);
    const r = p.advance(k);
    if (r != OK) return r;
    pos += k;
  }
  return pos - from;
}

describe("Parser: whole packets at any split", () => {
  it("frames a packet pushed at once", () => {
    const p = new Parser(body, BUF, skip, 8);
    const a = publish();
    expect(feed(p, a, 0, a.length)).toBe(a.length);
    expect(p.done()).toBe(true);
    expect(p.first).toBe(0x32);
    expect(p.remaining).toBe(14);
    expect(p.length()).toBe(14);
    expect(p.truncated()).toBe(false);
    expect(D.decodePacket(p.first, p.buf, p.length())).toBe(OK);
    expect(<i32>D.pk.packetId).toBe(0x1234);
    expect(hex(D.pk.payload, D.pk.payloadLen)).toBe("68 65 6c 6c 6f 21 21");
  });

  it("frames the same packet for every chunk size, with push() and with need()/advance()", () => {
    const a = publish();
    for (let step = 1; step <= a.length; step++) {
      const p = new Parser(body, BUF, skip, 8);
      expect(feed(p, a, 0, step)).toBe(a.length);
      expect(p.done()).toBe(true);
      expect(hex(p.buf, p.length())).toBe(hex(a.dataStart + 2, 14));
      const q = new Parser(body, BUF, skip, 8);
      expect(feedByNeed(q, a, 0, step)).toBe(a.length);
      expect(q.done()).toBe(true);
      expect(q.length()).toBe(14);
    }
  });

  it("asks one byte at a time for the header and the remaining length", () => {
    const p = new Parser(body, BUF, skip, 8);
    expect(p.need()).toBe(1);
    const a: u8[] = [0x30, 0x80, 0x01];
    expect(p.push(a.dataStart, 1)).toBe(1);
    expect(p.need()).toBe(1);
    expect(p.push(a.dataStart + 1, 1)).toBe(1);
    expect(p.need()).toBe(1);
    expect(p.push(a.dataStart + 2, 1)).toBe(1);
    expect(p.remaining).toBe(128);
    expect(p.need()).toBe(BUF); // never more than the body buffer holds
  });

  it("stops at a packet end, so the next packet starts after reset()", () => {
    const a = cat([publish(), [0xd0, 0x00], [0x40, 0x02, 0x00, 0x07]]);
    const p = new Parser(body, BUF, skip, 8);
    let pos = 0;
    pos += p.push(a.dataStart, a.length);
    expect(pos).toBe(16);
    expect(p.done()).toBe(true);
    p.reset();
    pos += p.push(a.dataStart + pos, a.length - pos);
    expect(pos).toBe(18);
    expect(p.done()).toBe(true); // PINGRESP: done right after its length byte
    expect(p.length()).toBe(0);
    expect(D.decodePacket(p.first, p.buf, p.length())).toBe(OK);
    expect(D.pk.type).toBe(13);
    p.reset();
    pos += p.push(a.dataStart + pos, a.length - pos);
    expect(pos).toBe(a.length);
    expect(D.decodePacket(p.first, p.buf, p.length())).toBe(OK);
    expect(<i32>D.pk.packetId).toBe(7);
    // once done it takes nothing more
    expect(p.push(a.dataStart, a.length)).toBe(0);
  });

  it("reads 1..4-byte remaining lengths", () => {
    const lens: u8[][] = [[0x00], [0x7f], [0x80, 0x01], [0xff, 0x7f], [0x80, 0x80, 0x01], [0xff, 0xff, 0x7f],
      [0x80, 0x80, 0x80, 0x01], [0xff, 0xff, 0xff, 0x7f]];
    const want: i32[] = [0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455];
    for (let i = 0; i < lens.length; i++) {
      const p = new Parser(body, BUF, skip, 8);
      const a = cat([[0x30], lens[i]]);
      expect(p.push(a.dataStart, a.length)).toBe(a.length);
      expect(p.remaining).toBe(want[i]);
      expect(p.done()).toBe(want[i] == 0);
    }
  });

  it("accepts a non-minimal length (80 00) as mqtt-packet does", () => {
    const p = new Parser(body, BUF, skip, 8);
    const a: u8[] = [0xc0, 0x80, 0x00];
    expect(p.push(a.dataStart, 3)).toBe(3);
    expect(p.done()).toBe(true);
    expect(p.remaining).toBe(0);
  });
});

describe("Parser: framing errors", () => {
  it("refuses a fifth remaining-length byte", () => {
    const p = new Parser(body, BUF, skip, 8);
    const a: u8[] = [0x30, 0x80, 0x80, 0x80, 0x80, 0x01];
    expect(p.push(a.dataStart, a.length)).toBe(E_REMAINING_LENGTH);
    const q = new Parser(body, BUF, skip, 8);
    let r = 0;
    for (let i = 0; i < a.length && r >= 0; i++) r = q.push(a.dataStart + i, 1);
    expect(r).toBe(E_REMAINING_LENGTH);
    // after reset() the parser starts over
    q.reset();
    const b: u8[] = [0xe0, 0x00];
    expect(q.push(b.dataStart, 2)).toBe(2);
    expect(q.done()).toBe(true);
  });

  it("advance(0) and push of nothing change nothing", () => {
    const p = new Parser(body, BUF, skip, 8);
    expect(p.advance(0)).toBe(OK);
    expect(p.push(body, 0)).toBe(0);
    expect(p.need()).toBe(1);
    expect(p.done()).toBe(false);
  });
});

describe("Parser: oversized bodies", () => {
  it("keeps the first cap bytes, skips the rest, and tells truncated()", () => {
    setGuards();
    const payload = fill(200, 0x41);
    const a = cat([[0x30, 0xcd, 0x01], str("t/x"), payload]); // rem 205
    const p = new Parser(body, BUF, skip, 8);
    expect(feed(p, a, 0, a.length)).toBe(a.length);
    expect(p.done()).toBe(true);
    expect(p.remaining).toBe(205);
    expect(p.truncated()).toBe(true);
    expect(p.length()).toBe(BUF);
    expect(hex(p.buf, 5)).toBe("00 03 74 2f 78");
    expect(guardsIntact()).toBe(true);
  });

  it("stays in step with the stream at every chunk size", () => {
    const big = cat([[0x30, 0xcd, 0x01], str("t/x"), fill(200, 0x42)]);
    const a = cat([big, [0x62, 0x02, 0x12, 0x34]]);
    for (let step = 1; step <= 70; step += 3) {
      setGuards();
      const p = new Parser(body, BUF, skip, 8);
      expect(feed(p, a, 0, step)).toBe(big.length);
      expect(p.truncated()).toBe(true);
      expect(guardsIntact()).toBe(true);
      p.reset();
      expect(feed(p, a, big.length, step)).toBe(4);
      expect(p.truncated()).toBe(false);
      expect(D.decodePacket(p.first, p.buf, p.length())).toBe(OK);
      expect(<i32>D.pk.packetId).toBe(0x1234);
      // the session's read loop
      setGuards();
      const q = new Parser(body, BUF, skip, 8);
      expect(feedByNeed(q, a, 0, step)).toBe(big.length);
      expect(q.need()).toBe(0);
      expect(guardsIntact()).toBe(true);
    }
  });

  it("a body exactly the buffer's size is not truncated; one more byte is", () => {
    const p = new Parser(body, BUF, skip, 8);
    const a = cat([[0x30, <u8>BUF], str("a"), fill(BUF - 3, 0x43)]);
    expect(feed(p, a, 0, 7)).toBe(a.length);
    expect(p.truncated()).toBe(false);
    expect(p.length()).toBe(BUF);
    const q = new Parser(body, BUF, skip, 8);
    const b = cat([[0x30, <u8>(BUF + 1)], str("a"), fill(BUF - 2, 0x43)]);
    expect(feed(q, b, 0, 7)).toBe(b.length);
    expect(q.truncated()).toBe(true);
    expect(q.length()).toBe(BUF);
  });

  it("a zero-capacity buffer skips every body", () => {
    setGuards();
    const p = new Parser(body, 0, skip, 8);
    const a = cat([publish(), [0xd0, 0x00]]);
    expect(feed(p, a, 0, 5)).toBe(16);
    expect(p.done()).toBe(true);
    expect(p.truncated()).toBe(true);
    expect(p.length()).toBe(0);
    expect(guardsIntact()).toBe(true);
  });

  it("a 1-byte skip buffer still skips everything", () => {
    const p = new Parser(body, 4, skip, 1);
    const a = publish();
    expect(p.push(a.dataStart, a.length)).toBe(a.length);
    expect(p.done()).toBe(true);
    expect(p.length()).toBe(4);
  });
});
