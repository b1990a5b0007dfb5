// The small profile has no LTE drivers: nothing here is an LTE line.
export const LTE_NONE = 0;
export const LTE_COUNT = 1;
export const LTE_OPENED = 2;
export const LTE_OPEN_FAILED = 3;
export const LTE_CLOSED = 4;
export const LTE_DATA = 5;
export const LTE_PDP_LOST = 6;
export const LTE_POWER_DOWN = 7;
export const LTE_NOISE = 8;
export function lteLineKind(p: usize, n: i32): i32 { return LTE_NONE; }
export function lteCountField(p: usize): i32 { return 0; }
export function lteLinkName(p: usize, n: i32, sim7600: i32, bg96: i32): i32 { return 0; }
