// A View is a byte range (ptr, len) in linear memory: how an app sees a
// topic, a payload, the client id. Views never own memory and are never
// allocated: the firmware hands out a few static ones and reuses them, so a
// view is valid only during the call that gave it.
import { equalsAscii, startsAscii } from "../mem/bytes";
import { views } from "./work";

// @ts-ignore: decorator
@unmanaged
export class View {
  ptr: usize = 0;
  /** Bytes in the view; a Writer that overflowed has -1 here. */
  len: i32 = 0;

  /** True when the bytes are exactly the ascii("...") text a. */
  equals(a: usize): bool { return this.len >= 0 && equalsAscii(this.ptr, this.len, a); }

  /** True when the bytes start with the ascii("...") text a. */
  startsWith(a: usize): bool { return this.len >= 0 && startsAscii(this.ptr, this.len, a); }

  /** The byte at i, 0 outside the view. */
  at(i: i32): u8 { return <u32>i < <u32>this.len ? load<u8>(this.ptr + i) : 0; }

  /** The whole view as a signed decimal ("-12", "+7"), fallback if it is not one. */
  toInt(fallback: i32): i32 { return this.intAt(0, fallback); }

  /** The bytes from `from` to the end as a signed decimal, fallback if they
   * are not one (empty, a stray byte, outside i32). */
  intAt(from: i32, fallback: i32): i32 { return this.fixedAt(from, 0, fallback); }

  /** A decimal with a fraction as an integer of `decimals` places:
   * "21.5" with 1 gives 215, "21" gives 210, "-0.25" with 1 gives -2
   * (places past `decimals` are dropped). Fallback if not a number. */
  toFixed(decimals: i32, fallback: i32): i32 { return this.fixedAt(0, decimals, fallback); }

  // u32 arithmetic with overflow checks, no i64: wasm2c's AVR translation
  // (board/avr) takes no 64-bit casts
  private fixedAt(from: i32, decimals: i32, fallback: i32): i32 {
    const n = this.len;
    if (from < 0 || from >= n || <u32>decimals > 9) return fallback;
    let i = from;
    const c0 = load<u8>(this.ptr + i);
    const neg = c0 == 0x2D;
    if (neg || c0 == 0x2B) i++;
    const LIMIT: u32 = 0x80000000; // |i32.MIN_VALUE|
    let v: u32 = 0;
    let digits = 0;
    let places = -1; // -1: no '.' seen yet
    for (; i < n; i++) {
      const c = <i32>load<u8>(this.ptr + i);
      if (c == 0x2E && places < 0) { places = 0; continue; }
      const d = c - 48;
      if (d < 0 || d > 9) return fallback;
      if (places >= decimals) continue; // places past `decimals` are dropped
      if (places >= 0) places++;
      digits++;
      if (v > (LIMIT - <u32>d) / 10) return fallback;
      v = v * 10 + <u32>d;
    }
    if (digits == 0) return fallback;
    for (let k = max(places, 0); k < decimals; k++) {
      if (v > LIMIT / 10) return fallback;
      v *= 10;
    }
    if (v > (neg ? LIMIT : LIMIT - 1)) return fallback;
    return neg ? <i32>(0 - v) : <i32>v;
  }
}

/** A view of an ascii("...") text. The views come from a ring of two: each
 * is valid until the next-but-one viewOf() or clientId(), and only during
 * the app's call. */
export function viewOf(a: usize): View {
  const v = ringNext();
  v.ptr = a + 1;
  v.len = <i32>load<u8>(a);
  return v;
}

// the ring: the last two views of the API buffer (app/work.ts)
const ring: usize = views + 16;
let ringAt: i32 = 0;

/** The next view of the ring (for viewOf and clientId). */
export function ringNext(): View {
  const v = changetype<View>(ring + (<usize>ringAt << 3));
  ringAt ^= 1;
  return v;
}

/** The view a message's topic (0) or payload (1) is handed to a handler in. */
export function messageView(i: i32): View { return changetype<View>(views + (<usize>i << 3)); }
