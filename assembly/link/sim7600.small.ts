// The small profile has no SIM7600 driver (config refuses link sim7600):
// the same exports, never called, without command texts.
export const S76_PWRKEY_MS: u32 = 3000;
export const S76_REATTACH_PHASE = 0;
export function s76Init(phase: i32): i32 { return 0; }
export function s76InitResult(phase: i32, r: i32): i32 { return 0; }
export function s76Connect(host: usize, hostLen: i32, port: i32): void {}
export function s76Send(n: i32): void {}
export function s76Read(len: i32): void {}
export function s76Poll(): void {}
export function s76PollResult(): i32 { return 0; }
export function s76Close(): void {}
