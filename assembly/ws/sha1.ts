// SHA-1 (FIPS 180-4) over a short message, for Sec-WebSocket-Accept only.
// Static state; the message must fit in MSG_MAX bytes.

const MSG_MAX = 119; // two blocks with padding
const block: usize = memory.data(128, 4);
const w: usize = memory.data(16 * 4, 4); // schedule as a 16-word ring
const h: usize = memory.data(20, 4);

// @ts-ignore: decorator
@inline function rotl(x: u32, n: u32): u32 { return (x << n) | (x >>> (32 - n)); }

function compress(b: usize): void {
  for (let i = 0; i < 16; i++) {
    const p = b + (i << 2);
    store<u32>(w + (i << 2), (<u32>load<u8>(p) << 24) | (<u32>load<u8>(p + 1) << 16) | (<u32>load<u8>(p + 2) << 8) | load<u8>(p + 3));
  }
  let a = load<u32>(h), bb = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12), e = load<u32>(h, 16);
  for (let i = 0; i < 80; i++) {
    let f: u32, k: u32;
    if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5A827999; }
    else if (i < 40) { f = bb ^ c ^ d; k = 0x6ED9EBA1; }
    else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8F1BBCDC; }
    else { f = bb ^ c ^ d; k = 0xCA62C1D6; }
    const wi = w + ((i & 15) << 2);
    if (i >= 16) {
      const x = load<u32>(w + (((i - 3) & 15) << 2)) ^ load<u32>(w + (((i - 8) & 15) << 2)) ^ load<u32>(w + (((i - 14) & 15) << 2)) ^ load<u32>(wi);
      store<u32>(wi, rotl(x, 1));
    }
    const t = rotl(a, 5) + f + e + k + load<u32>(wi);
    e = d; d = c; c = rotl(bb, 30); bb = a; a = t;
  }
  store<u32>(h, load<u32>(h) + a);
  store<u32>(h, load<u32>(h, 4) + bb, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8);
  store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16);
}

/** Writes the 20-byte digest of msg[0..n) to out; false if n is too long. */
export function sha1(msg: usize, n: i32, out: usize): bool {
  if (n < 0 || n > MSG_MAX) return false;
  store<u32>(h, 0x67452301);
  store<u32>(h, 0xEFCDAB89, 4);
  store<u32>(h, 0x98BADCFE, 8);
  store<u32>(h, 0x10325476, 12);
  store<u32>(h, 0xC3D2E1F0, 16);
  memory.fill(block, 0, 128);
  memory.copy(block, msg, n);
  store<u8>(block + n, 0x80);
  const blocks = n + 9 > 64 ? 2 : 1;
  const end = block + (blocks << 6);
  const bits = <u32>n << 3;
  store<u8>(end - 2, <u8>(bits >> 8));
  store<u8>(end - 1, <u8>bits);
  compress(block);
  if (blocks == 2) compress(block + 64);
  for (let i = 0; i < 20; i++) store<u8>(out + i, <u8>(load<u32>(h + (i & ~3)) >> (24 - ((i & 3) << 3))));
  return true;
}
