// The small profile has no BG96 driver (config refuses link bg96): the
// same exports, never called, without command texts.
export const BG96_REATTACH_PHASE = 0;
export function bg96Init(phase: i32): i32 { return 0; }
export function bg96InitResult(phase: i32, r: i32): i32 { return 0; }
export function bg96Connect(host: usize, hostLen: i32, port: i32): void {}
export function bg96Send(n: i32): void {}
export function bg96Read(len: i32): void {}
export function bg96Poll(): void {}
export function bg96PollResult(): i32 { return 0; }
export function bg96Close(): void {}
