// Byte helpers shared by the unit specs (not a spec itself).

/** Lower-case hex of memory p[0..n), bytes separated by spaces. */
export function hex(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + i);
    if (i > 0) s += " ";
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

/** Hex of an array of bytes, same format as hex(). */
export function hexOf(a: u8[]): string {
  return hex(a.dataStart, a.length);
}

/** A fresh copy of bytes in linear memory (kept alive by the returned array). */
export function buf(a: u8[]): u8[] {
  return a.slice(0);
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): u8[] {
  const b = String.UTF8.encode(s);
  const out = new Array<u8>(b.byteLength);
  memory.copy(out.dataStart, changetype<usize>(b), b.byteLength);
  return out;
}

/** Concatenation of byte arrays. */
export function cat(parts: u8[][]): u8[] {
  const out = new Array<u8>(0);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    for (let k = 0; k < p.length; k++) out.push(p[k]);
  }
  return out;
}

/** A length-prefixed MQTT string. */
export function str(s: string): u8[] {
  const b = utf8(s);
  const out: u8[] = [<u8>(b.length >> 8), <u8>b.length];
  return cat([out, b]);
}

/** n bytes of value v. */
export function fill(n: i32, v: u8): u8[] {
  const out = new Array<u8>(n);
  for (let i = 0; i < n; i++) out[i] = v;
  return out;
}
