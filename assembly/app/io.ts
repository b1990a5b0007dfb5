// Board I/O for apps: digital pins, ADC channels and one I2C transaction,
// as Arduino's pinMode / digitalRead / digitalWrite / analogRead and
// Wire's write-then-read. Every call returns a value >= 0 or a named error
// (errors.ts). The modem's PWRKEY and RESET pins are refused here, on every
// host, before the host is asked.
import * as H from "../host/abi";
import * as E from "../errors";
import { PIN_PWRKEY, PIN_RESET } from "../config";

export const INPUT: i32 = 0;
export const OUTPUT: i32 = 1;
export const INPUT_PULLUP: i32 = 2;
export const LOW: i32 = 0;
export const HIGH: i32 = 1;

/** 0 or an error: pin-reserved for the modem's pins, no-such-pin. */
export function pinMode(pin: i32, mode: i32): i32 {
  if (pin == PIN_PWRKEY || pin == PIN_RESET) return E.E_PIN_RESERVED;
  if (<u32>mode > <u32>INPUT_PULLUP) return E.E_NO_SUCH_PIN;
  return H.pinMode(pin, mode);
}

/** The pin's level, 0 or 1 (an output reads back what it drives), or an error. */
export function pinRead(pin: i32): i32 {
  if (pin == PIN_PWRKEY || pin == PIN_RESET) return E.E_PIN_RESERVED;
  return H.pinRead(pin);
}

/** Drives an output pin low (0) or high (any other level); 0 or an error. */
export function pinWrite(pin: i32, level: i32): i32 {
  if (pin == PIN_PWRKEY || pin == PIN_RESET) return E.E_PIN_RESERVED;
  return H.pinWrite(pin, level != 0 ? 1 : 0);
}

/** The raw reading of an ADC channel (the board's resolution, 10 bits on
 * the AVR and ESP8266, 12 on the ESP32), or an error. */
export function adcRead(channel: i32): i32 {
  return H.adcRead(channel);
}

/** One I2C transaction with the 7-bit address: wlen bytes from w, then
 * (repeated start) rlen bytes into r. Returns the bytes read or an error:
 * i2c-nack when nobody answers, unsupported on a host without a bus. */
export function i2cXfer(addr: i32, w: usize, wlen: i32, r: usize, rlen: i32): i32 {
  if (<u32>addr > 127 || wlen < 0 || rlen < 0 || (wlen | rlen) == 0) return E.E_BAD_ARGUMENT;
  return H.i2cXfer(addr, w, wlen, r, rlen);
}

/** The common sensor read: register `reg`, then rlen bytes from it into r. */
export function i2cReadReg(addr: i32, reg: i32, r: usize, rlen: i32): i32 {
  const b = memory.data(1);
  store<u8>(b, <u8>reg);
  return i2cXfer(addr, b, 1, r, rlen);
}

/** Writes one byte to register `reg`; 0 or an error. */
export function i2cWriteReg(addr: i32, reg: i32, value: i32): i32 {
  const b = memory.data(2);
  store<u8>(b, <u8>reg);
  store<u8>(b + 1, <u8>value);
  const n = i2cXfer(addr, b, 2, 0, 0);
  return n < 0 ? n : 0;
}

/** Milliseconds since start, wrapping at 2^32 (for an app's own timing). */
export function millis(): u32 { return H.millis(); }
