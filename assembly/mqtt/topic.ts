// Topic filter matching (MQTT 3.1.1 section 4.7).

const SLASH: u8 = 0x2F;
const PLUS: u8 = 0x2B;
const HASH: u8 = 0x23;

/** True when topic name t matches filter f. Both are assumed valid. */
export function topicMatches(f: usize, fl: i32, t: usize, tl: i32): bool {
  // A leading wildcard does not match $-topics (4.7.2).
  if (tl > 0 && load<u8>(t) == 0x24 && fl > 0) {
    const c = load<u8>(f);
    if (c == PLUS || c == HASH) return false;
  }
  let fi = 0;
  let ti = 0;
  while (fi < fl) {
    const c = load<u8>(f + fi);
    if (c == HASH) return true;
    if (c == PLUS) {
      while (ti < tl && load<u8>(t + ti) != SLASH) ti++;
      fi++;
      continue;
    }
    if (ti >= tl) {
      // "a/#" also matches "a"
      return fi + 2 == fl && c == SLASH && load<u8>(f + fi + 1) == HASH;
    }
    if (load<u8>(t + ti) != c) return false;
    fi++;
    ti++;
  }
  return ti == tl;
}
