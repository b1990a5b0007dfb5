// UTF-8 string rules of MQTT 3.1.1 section 1.5.3: well-formed, no
// surrogates, no U+0000, nothing above U+10FFFF.
import { OK, E_BAD_UTF8, E_BAD_TOPIC } from "../../errors";

export function validUtf8(p: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + i);
    if (c < 0x80) {
      if (c == 0) return false;
      i++;
      continue;
    }
    let need = 0;
    let cp: u32 = 0;
    let min: u32 = 0;
    if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (i + need >= n) return false;
    for (let k = 1; k <= need; k++) {
      const cc = <u32>load<u8>(p + i + k);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += need + 1;
  }
  return true;
}

/** A topic name for PUBLISH: 1..65535 bytes of UTF-8, no wildcards. */
export function checkTopicName(p: usize, n: i32): i32 {
  if (n < 1 || n > 65535) return E_BAD_TOPIC;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x2B || c == 0x23) return E_BAD_TOPIC; // '+' '#'
  }
  return validUtf8(p, n) ? OK : E_BAD_UTF8;
}

/** A topic filter: '+' fills a whole level, '#' a whole last level. */
export function checkTopicFilter(p: usize, n: i32): i32 {
  if (n < 1 || n > 65535) return E_BAD_TOPIC;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 0x2B || c == 0x23) {
      if (i > 0 && load<u8>(p + i - 1) != 0x2F) return E_BAD_TOPIC;
      if (c == 0x23 && i != n - 1) return E_BAD_TOPIC;
      if (c == 0x2B && i + 1 < n && load<u8>(p + i + 1) != 0x2F) return E_BAD_TOPIC;
    }
  }
  return validUtf8(p, n) ? OK : E_BAD_UTF8;
}
