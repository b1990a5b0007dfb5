// Small byte helpers over raw memory: no strings, no allocation.

/** Copies an ASCII string literal's characters to p; returns the count. */
export function putAscii(p: usize, s: string): i32 {
  const n = s.length;
  const q = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u8>(p + i, <u8>load<u16>(q + (<usize>i << 1)));
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

/** True when p[0..n) holds exactly the ASCII literal s. */
export function equalsAscii(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  const q = changetype<usize>(s);
  for (let i = 0; i < n; i++) if (load<u8>(p + i) != <u8>load<u16>(q + (<usize>i << 1))) return false;
  return true;
}
