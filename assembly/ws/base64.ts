// Base64 encoding (RFC 4648) for the WebSocket key and accept values.

function digit(v: u32): u8 {
  return <u8>(v < 26 ? 65 + v : v < 52 ? 71 + v : v < 62 ? v - 4 : v == 62 ? 43 : 47);
}

/** Encodes src[0..n) to out; returns the characters written. */
export function base64(src: usize, n: i32, out: usize): i32 {
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const b0 = <u32>load<u8>(src + i);
    const b1 = i + 1 < n ? <u32>load<u8>(src + i + 1) : 0;
    const b2 = i + 2 < n ? <u32>load<u8>(src + i + 2) : 0;
    const v = (b0 << 16) | (b1 << 8) | b2;
    store<u8>(out + o, digit(v >> 18));
    store<u8>(out + o + 1, digit((v >> 12) & 63));
    store<u8>(out + o + 2, i + 1 < n ? digit((v >> 6) & 63) : 61);
    store<u8>(out + o + 3, i + 2 < n ? digit(v & 63) : 61);
    o += 4;
  }
  return o;
}
