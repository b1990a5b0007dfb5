// SHA-1 (FIPS 180-4) and Base64 (RFC 4648) of the WebSocket upgrade:
// published test vectors, the block-boundary lengths of the two-block
// SHA-1, bytes above 0x7F, and the RFC 6455 example handshake
// (dGhlIHNhbXBsZSBub25jZQ== → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=).
import { sha1 } from "../../assembly/ws/sha1";
import { base64 } from "../../assembly/ws/base64";

const MSG: usize = memory.data(256, 16);
const DIGEST: usize = memory.data(32, 16);
const TEXT: usize = memory.data(256, 16);

function hexOf(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + i);
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

function asciiOf(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(<i32>load<u8>(p + i));
  return s;
}

/** Copies the ASCII string into MSG; returns its length. */
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(MSG + i, <u8>s.charCodeAt(i));
  return s.length;
}

/** n bytes (i * 7 + 0x80) & 0xFF into MSG: every value above 0x7F early on. */
function pattern(n: i32): i32 {
  for (let i = 0; i < n; i++) store<u8>(MSG + i, <u8>((i * 7 + 0x80) & 0xff));
  return n;
}

function sha1Hex(n: i32): string {
  memory.fill(DIGEST, 0xee, 32);
  expect(sha1(MSG, n, DIGEST)).toBe(true);
  expect(load<u8>(DIGEST + 20)).toBe(0xee, "writes exactly 20 bytes");
  return hexOf(DIGEST, 20);
}

function b64(n: i32): string {
  memory.fill(TEXT, 0xee, 256);
  const k = base64(MSG, n, TEXT);
  expect(k).toBe(((n + 2) / 3) * 4, "4 characters per 3 bytes, padded");
  expect(load<u8>(TEXT + k)).toBe(0xee, "writes nothing past its result");
  return asciiOf(TEXT, k);
}

describe("sha1", () => {
  it("FIPS 180 example: abc", () => {
    expect(sha1Hex(put("abc"))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });

  it("the empty string", () => {
    expect(sha1Hex(0)).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });

  it("FIPS 180 example: the 56-byte two-block message", () => {
    const n = put("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    expect(n).toBe(56);
    expect(sha1Hex(n)).toBe("84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  });

  it("the quick brown fox", () => {
    expect(sha1Hex(put("The quick brown fox jumps over the lazy dog"))).toBe("2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  });

  it("block boundaries 55/56/63/64 and the 119-byte maximum, bytes above 0x7F", () => {
    expect(sha1Hex(pattern(55))).toBe("62eb25c73a636ee8060effb216ab40cbc6aae0d9");
    expect(sha1Hex(pattern(56))).toBe("80555021ac43cbb1cd5afe3c8422fc866e444873");
    expect(sha1Hex(pattern(63))).toBe("ca86be29c726ecc397ef08d007bd79b90e8ee62e");
    expect(sha1Hex(pattern(64))).toBe("500840841407ae3c1ebb87ff29c36d464f0b0858");
    expect(sha1Hex(pattern(119))).toBe("981b3aee4a148a8e743f5d9543a12ebff280711e");
  });

  it("refuses what does not fit two blocks, and negative lengths", () => {
    expect(sha1(MSG, 120, DIGEST)).toBe(false);
    expect(sha1(MSG, -1, DIGEST)).toBe(false);
  });

  it("is the same on a second call (no state carried over)", () => {
    const a = sha1Hex(put("abc"));
    sha1Hex(pattern(100));
    expect(sha1Hex(put("abc"))).toBe(a);
  });
});

describe("base64", () => {
  it("RFC 4648 section 10 vectors", () => {
    expect(b64(put(""))).toBe("");
    expect(b64(put("f"))).toBe("Zg==");
    expect(b64(put("fo"))).toBe("Zm8=");
    expect(b64(put("foo"))).toBe("Zm9v");
    expect(b64(put("foob"))).toBe("Zm9vYg==");
    expect(b64(put("fooba"))).toBe("Zm9vYmE=");
    expect(b64(put("foobar"))).toBe("Zm9vYmFy");
  });

  it("the last two digits, + and /, and the ends of the alphabet", () => {
    store<u8>(MSG, 0xfb); store<u8>(MSG + 1, 0xff); store<u8>(MSG + 2, 0xbf);
    expect(b64(3)).toBe("+/+/");
    memory.fill(MSG, 0, 3);
    expect(b64(3)).toBe("AAAA");
    memory.fill(MSG, 0xff, 3);
    expect(b64(3)).toBe("////");
  });

  it("a 16-byte key (24 characters) and a 20-byte digest (28 characters)", () => {
    expect(b64(pattern(16))).toBe("gIeOlZyjqrG4v8bN1Nvi6Q==");
    expect(b64(pattern(20))).toBe("gIeOlZyjqrG4v8bN1Nvi6fD3/gU=");
  });

  it("RFC 6455 4.1: the sample nonce as a key", () => {
    expect(b64(put("the sample nonce"))).toBe("dGhlIHNhbXBsZSBub25jZQ==");
  });
});

describe("Sec-WebSocket-Accept (RFC 6455 1.3)", () => {
  it("dGhlIHNhbXBsZSBub25jZQ== gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", () => {
    const n = put("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    expect(n).toBe(60);
    expect(sha1(MSG, n, DIGEST)).toBe(true);
    expect(hexOf(DIGEST, 20)).toBe("b37a4f2cc0624f1690f64606cf385945b2bec4ea");
    const k = base64(DIGEST, 20, TEXT);
    expect(asciiOf(TEXT, k)).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
});
