// Resumable packet reader (the shape of mqtt-packet's parser): header,
// remaining length, body, for any split of the input. The caller asks
// need() bytes at dest(), reads what it can there and calls advance(n).
// A body larger than the buffer is kept up to the buffer's size and the
// rest skipped, so the stream stays in step; truncated() tells.
import { OK, E_REMAINING_LENGTH } from "../../errors";

const S_HEADER: u8 = 0;
const S_LENGTH: u8 = 1;
const S_BODY: u8 = 2;
const S_SKIP: u8 = 3;
const S_DONE: u8 = 4;

export class Parser {
  // bytes first, so the record packs into 32 bytes of static RAM
  state: u8 = S_HEADER;
  first: u8 = 0;
  lenByte: u8 = 0;
  shift: u8 = 0;
  remaining: i32 = 0;
  got: i32 = 0;
  kept: i32 = 0;
  constructor(public buf: usize, public cap: i32, public skip: usize, public skipCap: i32) {}

  /** A parser in the zeroed static memory at p (offsetof<Parser>() bytes),
   * for firmware that must not allocate: no `new`, so no runtime either. */
  static at(p: usize, buf: usize, cap: i32, skip: usize, skipCap: i32): Parser {
    const q = changetype<Parser>(p);
    q.buf = buf;
    q.cap = cap;
    q.skip = skip;
    q.skipCap = skipCap;
    return q;
  }

  reset(): void {
    this.state = S_HEADER;
    this.shift = 0;
    this.remaining = this.got = 0;
  }

  /** Bytes wanted next (at most); 0 once a packet is complete. */
  need(): i32 {
    const s = this.state;
    if (s == S_HEADER || s == S_LENGTH) return 1;
    if (s == S_BODY) return this.kept - this.got;
    if (s == S_SKIP) return min(this.remaining - this.got, this.skipCap);
    return 0;
  }

  dest(): usize {
    const s = this.state;
    if (s == S_HEADER) return changetype<usize>(this) + offsetof<Parser>("first");
    if (s == S_LENGTH) return changetype<usize>(this) + offsetof<Parser>("lenByte");
    if (s == S_BODY) return this.buf + this.got;
    return this.skip;
  }

  /** Accounts n bytes written at dest(); returns OK or a framing error. */
  advance(n: i32): i32 {
    if (n <= 0) return OK;
    const s = this.state;
    if (s == S_HEADER) {
      this.state = S_LENGTH;
      this.shift = 0;
      this.remaining = this.got = 0;
      return OK;
    }
    if (s == S_LENGTH) {
      const b = this.lenByte;
      this.remaining |= (<i32>(b & 0x7F)) << <i32>this.shift;
      this.shift += 7;
      if ((b & 0x80) != 0) {
        if (this.shift >= 28) return E_REMAINING_LENGTH; // a 5th byte
        return OK;
      }
      // A multi-byte length with a zero last byte is not minimal; accept
      // it as mqtt-packet does.
      this.kept = max(min(this.remaining, this.cap), 0);
      this.state = this.remaining == 0 ? S_DONE : this.kept > 0 ? S_BODY : S_SKIP;
      return OK;
    }
    this.got += n;
    if (s == S_BODY && this.got == this.kept) {
      this.state = this.kept == this.remaining ? S_DONE : S_SKIP;
    } else if (s == S_SKIP && this.got == this.remaining) {
      this.state = S_DONE;
    }
    return OK;
  }

  done(): bool { return this.state == S_DONE; }
  truncated(): bool { return this.kept < this.remaining; }
  /** Body bytes held in buf (all of them unless truncated). */
  length(): i32 { return this.kept; }

  /** Feeds bytes from memory; returns how many it took (stops at a packet end). */
  push(src: usize, n: i32): i32 {
    let used = 0;
    while (used < n && !this.done()) {
      const k = min(this.need(), n - used);
      if (k <= 0) break; // nowhere to put bytes (a zero skip buffer)
      memory.copy(this.dest(), src + used, k);
      used += k;
      const r = this.advance(k);
      if (r != OK) return r;
    }
    return used;
  }
}
