// The whole host ABI: every import the firmware makes, behind typed
// wrappers. Nothing else in assembly/ touches an import.
// Documented for host authors in board/ABI.md.

@external("host", "millis") declare function _millis(): u32;
@external("host", "uart_write") declare function _uart_write(ptr: usize, len: i32): i32;
@external("host", "uart_read") declare function _uart_read(ptr: usize, max: i32): i32;
@external("host", "uart_set_baud") declare function _uart_set_baud(baud: i32): void;
@external("host", "gpio_write") declare function _gpio_write(pin: i32, level: i32): void;
@external("host", "sock_open") declare function _sock_open(host: usize, hostLen: i32, port: i32, flags: i32): i32;
@external("host", "sock_write") declare function _sock_write(h: i32, ptr: usize, len: i32): i32;
@external("host", "sock_read") declare function _sock_read(h: i32, ptr: usize, max: i32): i32;
@external("host", "sock_state") declare function _sock_state(h: i32): i32;
@external("host", "sock_close") declare function _sock_close(h: i32): void;
@external("host", "random_fill") declare function _random_fill(ptr: usize, len: i32): void;
@external("host", "log") declare function _log(level: i32, ptr: usize, len: i32): void;
@external("host", "config_read") declare function _config_read(key: i32, ptr: usize, max: i32): i32;
@external("host", "event") declare function _event(kind: i32, a: i32, b: i32, ptr: usize, len: i32): void;
@external("host", "pin_mode") declare function _pin_mode(pin: i32, mode: i32): i32;
@external("host", "pin_read") declare function _pin_read(pin: i32): i32;
@external("host", "pin_write") declare function _pin_write(pin: i32, level: i32): i32;
@external("host", "adc_read") declare function _adc_read(channel: i32): i32;
@external("host", "i2c_xfer") declare function _i2c_xfer(addr: i32, wptr: usize, wlen: i32, rptr: usize, rlen: i32): i32;
@external("host", "message") declare function _message(topic: usize, topicLen: i32, payload: usize, payloadLen: i32, flags: i32): void;

/** Milliseconds since an arbitrary start, wrapping at 2^32. */
export function millis(): u32 { return _millis(); }
export function uartWrite(ptr: usize, len: i32): i32 { return _uart_write(ptr, len); }
export function uartRead(ptr: usize, max: i32): i32 { return _uart_read(ptr, max); }
export function uartSetBaud(baud: i32): void { _uart_set_baud(baud); }
export function gpioWrite(pin: i32, level: i32): void { _gpio_write(pin, level); }

/** sock_state results. */
export const SOCK_CONNECTING = 0;
export const SOCK_OPEN = 1;
export const SOCK_CLOSED = 2;

export function sockOpen(host: usize, hostLen: i32, port: i32, flags: i32): i32 { return _sock_open(host, hostLen, port, flags); }
export function sockWrite(h: i32, ptr: usize, len: i32): i32 { return _sock_write(h, ptr, len); }
export function sockRead(h: i32, ptr: usize, max: i32): i32 { return _sock_read(h, ptr, max); }
export function sockState(h: i32): i32 { return _sock_state(h); }
export function sockClose(h: i32): void { _sock_close(h); }

export function randomFill(ptr: usize, len: i32): void { _random_fill(ptr, len); }
export function hostLog(level: i32, ptr: usize, len: i32): void { _log(level, ptr, len); }
/** Copies config value `key` to ptr; returns its length, or -1 when unset. */
export function configRead(key: i32, ptr: usize, max: i32): i32 { return _config_read(key, ptr, max); }
export function hostEvent(kind: i32, a: i32, b: i32, ptr: usize, len: i32): void { _event(kind, a, b, ptr, len); }
export function hostMessage(topic: usize, topicLen: i32, payload: usize, payloadLen: i32, flags: i32): void {
  _message(topic, topicLen, payload, payloadLen, flags);
}

// Board I/O for apps (board/ABI.md, "Board I/O"). AssemblyScript imports
// only what is called, so a module whose app uses none of these imports
// none of them and no host needs to offer them. Apps call assembly/app/io.ts.
export function pinMode(pin: i32, mode: i32): i32 { return _pin_mode(pin, mode); }
export function pinRead(pin: i32): i32 { return _pin_read(pin); }
export function pinWrite(pin: i32, level: i32): i32 { return _pin_write(pin, level); }
export function adcRead(channel: i32): i32 { return _adc_read(channel); }
export function i2cXfer(addr: i32, wptr: usize, wlen: i32, rptr: usize, rlen: i32): i32 {
  return _i2c_xfer(addr, wptr, wlen, rptr, rlen);
}
