// Byte helpers shared by the unit specs (not a spec itself).
import { Options, optionsDefaults } from "../../assembly/mqtt/options";

/** Lower-case hex of memory p[0..n), bytes separated by spaces. */
export function hex(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + i);
    if (i > 0) s += " ";
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

/** Hex of an array of bytes, same format as hex(). */
export function hexOf(a: u8[]): string {
  return hex(a.dataStart, a.length);
}

/** A fresh copy of bytes in linear memory (kept alive by the returned array). */
export function buf(a: u8[]): u8[] {
  return a.slice(0);
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): u8[] {
  const b = String.UTF8.encode(s);
  const out = new Array<u8>(b.byteLength);
  memory.copy(out.dataStart, changetype<usize>(b), b.byteLength);
  return out;
}

/** Concatenation of byte arrays. */
export function cat(parts: u8[][]): u8[] {
  const out = new Array<u8>(0);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    for (let k = 0; k < p.length; k++) out.push(p[k]);
  }
  return out;
}

/** A length-prefixed MQTT string. */
export function str(s: string): u8[] {
  const b = utf8(s);
  const out: u8[] = [<u8>(b.length >> 8), <u8>b.length];
  return cat([out, b]);
}

/** n bytes of value v. */
export function fill(n: i32, v: u8): u8[] {
  const out = new Array<u8>(n);
  for (let i = 0; i < n; i++) out[i] = v;
  return out;
}

// ---- the scripted modem UART (module "uart" of scripted-host.js) ----

@external("uart", "reset") export declare function uartReset(): void;
@external("uart", "rx") declare function _uartRx(p: usize, n: i32): void;
@external("uart", "rx_pending") export declare function uartRxPending(): i32;
@external("uart", "rx_clear") export declare function uartRxClear(): void;
@external("uart", "read_limit") export declare function uartReadLimit(n: i32): void;
@external("uart", "write_limit") export declare function uartWriteLimit(n: i32): void;
@external("uart", "tx_count") export declare function uartTxCount(): i32;
@external("uart", "tx_take") declare function _uartTxTake(p: usize, max: i32): i32;
@external("uart", "gpio_count") export declare function gpioCount(): i32;
@external("uart", "gpio_pin") export declare function gpioPin(i: i32): i32;
@external("uart", "gpio_level") export declare function gpioLevel(i: i32): i32;
@external("uart", "gpio_time") export declare function gpioTime(i: i32): u32;
@external("uart", "baud_count") export declare function baudCount(): i32;
@external("uart", "last_baud") export declare function lastBaud(): i32;
@external("uart", "advance") export declare function clockAdvance(ms: i32): void;
@external("uart", "now") export declare function clockNow(): u32;
@external("uart", "log_count") declare function _logCount(p: usize, n: i32): i32;
@external("uart", "logs_clear") export declare function logsClear(): void;
@external("uart", "print") declare function _print(p: usize, n: i32): void;

/** Prints a line at once through the host (for a failure's details). */
export function say(s: string): void {
  const b = String.UTF8.encode(s);
  _print(changetype<usize>(b), b.byteLength);
}

/** Bytes of a string whose characters are all below 256 (latin1): "\x00\xFF" are bytes too. */
export function latin1(s: string): u8[] {
  const out = new Array<u8>(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    assert(c < 256, "latin1(): a character above 0xFF");
    out[i] = <u8>c;
  }
  return out;
}

/** A string of one character per byte of p[0..n) (the inverse of latin1). */
export function textOf(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(<i32>load<u8>(p + i));
  return s;
}

/** The string with CR, LF and bytes outside printable ASCII spelled out, for readable failures. */
export function visible(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 13) out += "\\r";
    else if (c == 10) out += "\\n";
    else if (c < 32 || c > 126) out += "<" + (c < 16 ? "0" : "") + c.toString(16) + ">";
    else out += String.fromCharCode(c);
  }
  return out;
}

/** Queues bytes the modem prints (the firmware reads them on its next uart_read). */
export function modemSays(s: string): void {
  const b = latin1(s);
  _uartRx(b.dataStart, b.length);
}

export function modemSaysBytes(b: u8[]): void {
  _uartRx(b.dataStart, b.length);
}

const TAKE: usize = memory.data(8192, 16);

/** Everything the firmware wrote to the modem since the last call, as latin1 text. */
export function written(): string {
  let s = "";
  for (;;) {
    const n = _uartTxTake(TAKE, 8192);
    if (n <= 0) break;
    s += textOf(TAKE, n);
  }
  return s;
}

/** Host log lines so far that contain the text. */
export function logCount(s: string): i32 {
  const b = latin1(s);
  return _logCount(b.dataStart, b.length);
}

/** An options record (mqtt/options.ts) from CONNECT's fields in wire order,
 * for specs that encode a CONNECT; one static record, overwritten per call. */
export function connectOptions(
  clientId: usize, clientIdLen: i32, clean: bool, keepAlive: i32,
  user: usize, userLen: i32, pass: usize, passLen: i32,
  willTopic: usize, willTopicLen: i32, willPayload: usize, willPayloadLen: i32,
  willQos: i32, willRetain: bool
): Options {
  const o = changetype<Options>(memory.data(offsetof<Options>(), 4));
  optionsDefaults(o);
  o.clientId = clientId;
  o.clientIdLen = clientIdLen;
  o.clean = clean;
  o.keepAlive = keepAlive;
  o.user = user;
  o.userLen = userLen;
  o.pass = pass;
  o.passLen = passLen;
  o.willTopic = willTopic;
  o.willTopicLen = willTopicLen;
  o.willPayload = willPayload;
  o.willPayloadLen = willPayloadLen;
  o.willQos = <u8>willQos;
  o.willRetain = willRetain;
  return o;
}
