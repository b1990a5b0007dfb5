// The small profile has no BG96 driver (config refuses link bg96):
// the same exports (driver.ts), never called, without command texts.
import * as C from "../config";
export const CRLF = false;
export const POWER_PIN = C.PIN_PWRKEY;
export const POWER_LOW_MS = C.PWRKEY_MS;
export const BOOT_MS: u32 = 3000;
export const SEND_MAX = 1460;
export const SEND_RESULT_MS: u32 = 10000;
export const OPEN_CMD_MS: u32 = 2000;
export const OPEN_MS: u32 = 150000;
export const OPEN_ERROR_IS_TLS = false;
export const READ_MAX = 1460;
export const READ_TELLS_LEFT = true;
export const REATTACH = 2;
export function phase(p: i32, r: i32): i32 { return 0; }
export function open(host: usize, hostLen: i32, port: i32): void {}
export function read(len: i32): void {}
export function poll(): void {}
export function polled(): i32 { return 0; }
export function pulls(): bool { return true; }
export function pushedSeen(): void {}
export function send(n: i32): void {}
export function close(): void {}
export function line(): i32 { return 0; }
export function header(b: u8): bool { return false; }
