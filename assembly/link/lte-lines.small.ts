// The small profile has no LTE drivers: their link names are unknown here.
export function lteLinkName(p: usize, n: i32, sim7600: i32, bg96: i32): i32 { return 0; }
