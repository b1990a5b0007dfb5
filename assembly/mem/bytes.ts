// Small byte helpers over raw memory: no strings, no allocation.

/** Copies an ascii("...") text to p; returns its length. */
export function putAscii(p: usize, s: usize): i32 {
  const n = <i32>load<u8>(s);
  memory.copy(p, s + 1, n);
  return n;
}

/** Writes v in decimal at p; returns the digits written. */
export function putUint(p: usize, v: u32): i32 {
  let div: u32 = 1;
  while (v / div >= 10) div *= 10;
  let n = 0;
  while (div > 0) {
    store<u8>(p + n++, <u8>(48 + (v / div) % 10));
    div /= 10;
  }
  return n;
}

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
