// A modem family left out of the build (ATMQTT_MODEMS, config.ts's HAS_*; the small profile's LTE drivers):
// scripts/ascii-transform.mjs compiles this instead of its driver. The same
// exports (driver.ts), never reached (family.ts tests HAS_* first, link.ts
// refuses the family), without the driver's command texts.
export const CRLF = false;
export const POWER_PIN = 0;
export const POWER_LOW_MS: u32 = 0;
export const BOOT_MS: u32 = 0;
export const SEND_MAX = 0;
export const SEND_RESULT_MS: u32 = 0;
export const OPEN_CMD_MS: u32 = 0;
export const OPEN_MS: u32 = 0;
export const OPEN_ERROR_IS_TLS = false;
export const READ_MAX = 0;
export const READ_TELLS_LEFT = false;
export const REATTACH = 0;
export function phase(p: i32, r: i32): i32 { return 0; }
export function open(host: usize, hostLen: i32, port: i32): void {}
export function read(len: i32): void {}
export function poll(): void {}
export function polled(): i32 { return 0; }
export function pulls(): bool { return false; }
export function pushedSeen(): void {}
export function send(n: i32): void {}
export function close(): void {}
export function line(): i32 { return 0; }
export function header(b: u8): bool { return false; }
