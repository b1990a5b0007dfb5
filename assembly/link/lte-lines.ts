// The config `link` names of the LTE drivers (sim7600, bg96). The small
// profile, which has no LTE drivers, compiles lte-lines.small.ts instead
// (no texts: the names are refused there as unknown).
import { ascii } from "../mem/ascii";

/** sim7600 / bg96 as the link kind numbers of link.ts, else 0. */
export function lteLinkName(p: usize, n: i32, sim7600: i32, bg96: i32): i32 {
  if (n == 7 && memory.compare(p, ascii("sim7600") + 1, 7) == 0) return sim7600;
  if (n == 4 && memory.compare(p, ascii("bg96") + 1, 4) == 0) return bg96;
  return 0;
}
