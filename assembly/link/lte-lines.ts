// What the LTE modules (SIM7600, BG96) print that the SIM800 / ESP-AT
// reader does not know: counted read headers, link results and socket
// URCs. at.ts asks here and acts; the small profile, which has no LTE
// drivers, compiles lte-lines.small.ts instead (no texts).
import { ascii } from "../mem/ascii";
import { startsAscii } from "../mem/bytes";

export const LTE_NONE = 0;
/** +QIRD: n / +QSSLRECV: n / +CCHRECV: DATA,0,n: n bytes follow */
export const LTE_COUNT = 1;
export const LTE_OPENED = 2;
export const LTE_OPEN_FAILED = 3;
export const LTE_CLOSED = 4;
export const LTE_DATA = 5;
export const LTE_PDP_LOST = 6;
export const LTE_POWER_DOWN = 7;
/** boot and network noise: taken, nothing to do */
export const LTE_NOISE = 8;

function hasComma(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + i) == 0x2C) return true;
  return false;
}

/** The k-th (0-based) comma-separated number after the ':'; -1 when none. */
function num(p: usize, n: i32, k: i32): i32 {
  let i = 0;
  while (i < n && load<u8>(p + i) != 0x3A) i++;
  i++;
  for (let f = 0; f < k; f++) { while (i < n && load<u8>(p + i) != 0x2C) i++; i++; }
  while (i < n && load<u8>(p + i) == 0x20) i++;
  let v = 0;
  let any = false;
  while (i < n) {
    const c = <i32>load<u8>(p + i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    any = true;
    i++;
  }
  return any ? v : -1;
}

/** A Quectel socket URC (+QIURC: / +QSSLURC:) with this event. */
function quectel(p: usize, n: i32, ev: usize): bool {
  let o = 0;
  if (startsAscii(p, n, ascii("+QIURC: "))) o = 8;
  else if (startsAscii(p, n, ascii("+QSSLURC: "))) o = 10;
  else return false;
  const e = <i32>load<u8>(ev);
  return n >= o + e && memory.compare(p + o, ev + 1, e) == 0;
}

export function lteLineKind(p: usize, n: i32): i32 {
  // +QIRD: 10,0,10 (the answer to QIRD=id,0) has commas: not a count
  if (((startsAscii(p, n, ascii("+QIRD: ")) || startsAscii(p, n, ascii("+QSSLRECV: "))) && !hasComma(p, n)) || startsAscii(p, n, ascii("+CCHRECV: DATA"))) return LTE_COUNT;
  if (startsAscii(p, n, ascii("+CIPOPEN: ")) || startsAscii(p, n, ascii("+QIOPEN: ")) || startsAscii(p, n, ascii("+QSSLOPEN: ")) || startsAscii(p, n, ascii("+CCHOPEN: "))) {
    if (!hasComma(p, n)) return LTE_NOISE; // the CIPOPEN? listing
    return num(p, n, 1) == 0 ? LTE_OPENED : LTE_OPEN_FAILED;
  }
  if (startsAscii(p, n, ascii("+IPCLOSE:")) || startsAscii(p, n, ascii("+CCH_PEER_CLOSED:")) || quectel(p, n, ascii("\"closed\""))) return LTE_CLOSED;
  if (startsAscii(p, n, ascii("+CCHEVENT:")) || quectel(p, n, ascii("\"recv\""))) return LTE_DATA;
  if (startsAscii(p, n, ascii("+CIPEVENT:")) || quectel(p, n, ascii("\"pdpdeact\""))) return LTE_PDP_LOST;
  if (startsAscii(p, n, ascii("POWERED DOWN"))) return LTE_POWER_DOWN;
  if (startsAscii(p, n, ascii("SMS DONE")) || startsAscii(p, n, ascii("PB DONE")) || startsAscii(p, n, ascii("+QIND")) || startsAscii(p, n, ascii("+QUSIM")) ||
    startsAscii(p, n, ascii("APP RDY")) || startsAscii(p, n, ascii("+CGEV")) || startsAscii(p, n, ascii("+CNSMOD")) || startsAscii(p, n, ascii("+CTZE"))) return LTE_NOISE;
  return LTE_NONE;
}

/** Which field of a counted header holds the count. */
export function lteCountField(p: usize): i32 {
  return load<u8>(p + 2) == 0x43 ? 2 : 0; // +CCHRECV: DATA,s,n ; +QIRD: n
}

/** config `link`: sim7600 / bg96 as the link kind numbers of link.ts, else 0. */
export function lteLinkName(p: usize, n: i32, sim7600: i32, bg96: i32): i32 {
  if (n == 7 && memory.compare(p, ascii("sim7600") + 1, 7) == 0) return sim7600;
  if (n == 4 && memory.compare(p, ascii("bg96") + 1, 4) == 0) return bg96;
  return 0;
}
