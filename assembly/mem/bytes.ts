// Small byte helpers over raw memory: no strings, no allocation.

/** Copies an ascii("...") text to p; returns its length. */
export function putAscii(p: usize, s: usize): i32 {
  const n = <i32>load<u8>(s);
  memory.copy(p, s + 1, n);
  return n;
}

/** v / 10 by shifts and adds (Hacker's Delight, divu10), exact for every
 * u32: on an 8-bit core (the AVR image) a 32-bit division is a library
 * call of ~600 cycles, and the decimal writers below ran two a digit. */
export function div10(v: u32): u32 {
  let q = (v >> 1) + (v >> 2);
  q += q >> 4;
  q += q >> 8;
  q += q >> 16;
  q >>= 3;
  return q + <u32>(v - (q << 3) - (q << 1) > 9);
}

/** Writes v in decimal at p, only its first `room` digits when there are
 * more; returns the digits written. */
export function putDigits(p: usize, v: u32, room: i32): i32 {
  let n = 1;
  for (let t = div10(v); t > 0; t = div10(t)) n++;
  for (let i = n - 1; i >= 0; i--) {
    const q = div10(v);
    if (i < room) store<u8>(p + i, <u8>(48 + v - (q << 3) - (q << 1)));
    v = q;
  }
  return min(n, max(room, 0));
}

/** Writes v in decimal at p; returns the digits written. */
// @ts-ignore: decorator
@inline export function putUint(p: usize, v: u32): i32 { return putDigits(p, v, 10); }

/** Parses a decimal at p[0..n); -1 when it is not one. */
export function parseUint(p: usize, n: i32): i32 {
  if (n <= 0 || n > 9) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** True when p[0..n) holds exactly the ascii("...") text s. */
export function equalsAscii(p: usize, n: i32, s: usize): bool {
  return n == <i32>load<u8>(s) && memory.compare(p, s + 1, n) == 0;
}

/** True when p[0..n) starts with the ascii("...") text s. */
export function startsAscii(p: usize, n: i32, s: usize): bool {
  const k = <i32>load<u8>(s);
  return n >= k && memory.compare(p, s + 1, k) == 0;
}
