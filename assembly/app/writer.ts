// A Writer formats text, numbers and JSON into a static buffer without
// allocating. Its header (the View's ptr and len, then its capacity) lies at
// the start of the buffer it is given, so it needs no memory of its own:
//   const out = Writer.over(memory.data(96), 96); // capacity 96 - Writer.HEADER
// A write that does not fit writes nothing and marks the writer overflowed
// (len -1) until clear(): publish refuses it, so a cut message never goes out.
import { View } from "./view";

// @ts-ignore: decorator
@unmanaged
export class Writer extends View {
  cap: i32 = 0;

  /** Bytes of the buffer the header takes. */
  static readonly HEADER: i32 = 12;

  /** A writer over buf[0..bytes): the header, then bytes - HEADER of text. */
  static over(buf: usize, bytes: i32): Writer {
    const w = changetype<Writer>(buf);
    w.ptr = buf + Writer.HEADER;
    w.len = 0;
    w.cap = max(bytes - Writer.HEADER, 0);
    return w;
  }

  /** Empties it (and forgets an overflow). */
  clear(): Writer { this.len = 0; return this; }

  /** True when a write did not fit (since the last clear()). */
  overflowed(): bool { return this.len < 0; }

  /** Room for n more bytes: where they go, or 0 (and overflowed). */
  private room(n: i32): usize {
    const l = this.len;
    if (l < 0) return 0;
    if (n > this.cap - l) { this.len = -1; return 0; }
    this.len = l + n;
    return this.ptr + l;
  }

  /** An ascii("...") text. */
  text(a: usize): Writer {
    const n = <i32>load<u8>(a);
    const p = this.room(n);
    if (p) memory.copy(p, a + 1, n);
    return this;
  }

  /** The bytes of a view (another writer included). */
  bytes(v: View): Writer {
    if (v.len < 0) { this.len = -1; return this; }
    const p = this.room(v.len);
    if (p) memory.copy(p, v.ptr, v.len);
    return this;
  }

  /** One byte. */
  char(c: i32): Writer {
    const p = this.room(1);
    if (p) store<u8>(p, <u8>c);
    return this;
  }

  /** v in decimal. */
  uint(v: u32): Writer {
    let div: u32 = 1;
    let n = 1;
    while (v / div >= 10) { div *= 10; n++; }
    const p = this.room(n);
    if (p) {
      for (let i = 0; i < n; i++) {
        store<u8>(p + i, <u8>(48 + (v / div) % 10));
        div /= 10;
      }
    }
    return this;
  }

  /** v in decimal, with '-' when negative. */
  int(v: i32): Writer {
    if (v < 0) this.char(0x2D);
    return this.uint(v < 0 ? <u32>(-v) : <u32>v); // -MIN_VALUE wraps to 2^31 as u32
  }

  /** v / 10^decimals with that many places: (-5, 1) gives "-0.5", (2150, 2) "21.50". */
  fixed(v: i32, decimals: i32): Writer {
    if (decimals <= 0) return this.int(v);
    if (decimals > 9) decimals = 9;
    if (v < 0) this.char(0x2D);
    const u: u32 = v < 0 ? <u32>(-v) : <u32>v;
    let pow: u32 = 1;
    for (let i = 0; i < decimals; i++) pow *= 10;
    this.uint(u / pow).char(0x2E);
    const f = u % pow;
    const p = this.room(decimals);
    if (p) {
      let d = f;
      for (let i = decimals - 1; i >= 0; i--) {
        store<u8>(p + i, <u8>(48 + d % 10));
        d /= 10;
      }
    }
    return this;
  }

  // JSON: begin() { key/value pairs } end(). A comma goes before every key
  // but the first (the writer looks at its last byte: '{' or none).

  begin(): Writer { return this.char(0x7B); }
  end(): Writer { return this.char(0x7D); }

  /** `"k":` with the comma before it when needed (k an ascii("...") text, not escaped). */
  key(k: usize): Writer {
    const l = this.len;
    if (l > 0 && load<u8>(this.ptr + l - 1) != 0x7B) this.char(0x2C);
    return this.char(0x22).text(k).char(0x22).char(0x3A);
  }

  keyInt(k: usize, v: i32): Writer { return this.key(k).int(v); }
  keyFixed(k: usize, v: i32, d: i32): Writer { return this.key(k).fixed(v, d); }
  /** `"k":"a"`: a is an ascii("...") text, written as it is (no escaping). */
  keyText(k: usize, a: usize): Writer { return this.key(k).char(0x22).text(a).char(0x22); }
  /** `"k":true` / `"k":false` (spelled by bytes: a text here would take RAM in every build). */
  keyBool(k: usize, b: bool): Writer {
    this.key(k);
    return b ? this.char(0x74).char(0x72).char(0x75).char(0x65) : this.char(0x66).char(0x61).char(0x6C).char(0x73).char(0x65);
  }
}
