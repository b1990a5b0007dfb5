// atmqtt flash image: 16-byte header {"AMQW", u32 LE module length,
// u32 LE CRC-32 (zlib/IEEE 802.3, reflected 0xEDB88320) of the module,
// u32 LE version = 1} followed by the module. Byte-identical to
// board/posix/mkimage.py; checked the same way as atmqtt_image_check() in
// board/core/atmqtt_host.c.

export const IMAGE_MAGIC = "AMQW";
export const IMAGE_HEADER = 16;
export const IMAGE_VERSION = 1;

let table: Uint32Array | null = null;

function crcTable(): Uint32Array {
  if (table !== null) return table;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  table = t;
  return t;
}

/** CRC-32 as zlib.crc32() computes it (init 0xFFFFFFFF, final xor). */
export function crc32(data: Uint8Array): number {
  const t = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Wraps a wasm module into an atmqtt image. */
export function makeImage(module: Uint8Array): Buffer {
  const header = Buffer.alloc(IMAGE_HEADER);
  header.write(IMAGE_MAGIC, 0, "latin1");
  header.writeUInt32LE(module.length, 4);
  header.writeUInt32LE(crc32(module), 8);
  header.writeUInt32LE(IMAGE_VERSION, 12);
  return Buffer.concat([header, Buffer.from(module.buffer, module.byteOffset, module.byteLength)]);
}

export interface ImageInfo {
  moduleLength: number;
  crc: number;
  version: number;
}

/** Checks an image like the board host does; throws Error with the reason. */
export function checkImage(image: Uint8Array): ImageInfo {
  const b = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  if (b.length < IMAGE_HEADER || b.toString("latin1", 0, 4) !== IMAGE_MAGIC) {
    throw new Error(`bad magic (want "${IMAGE_MAGIC}")`);
  }
  const mlen = b.readUInt32LE(4);
  const want = b.readUInt32LE(8);
  const version = b.readUInt32LE(12);
  if (version !== IMAGE_VERSION) {
    throw new Error(`version ${version} unsupported (want ${IMAGE_VERSION})`);
  }
  if (mlen !== b.length - IMAGE_HEADER) {
    throw new Error(`length mismatch (header says ${mlen} bytes, image holds ${b.length - IMAGE_HEADER})`);
  }
  const module = b.subarray(IMAGE_HEADER);
  const got = crc32(module);
  if (got !== want) {
    throw new Error(`CRC mismatch (expected 0x${hex8(want)}, got 0x${hex8(got)})`);
  }
  if (module.length < 8 || module.readUInt32LE(0) !== 0x6d736100) {
    throw new Error("module is not WebAssembly (no \"\\0asm\" magic)");
  }
  return { moduleLength: mlen, crc: want, version };
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
