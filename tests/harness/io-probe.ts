// Board I/O exports for the probe build only (build/atmqtt-probe.wasm, a
// second entry of `npm run build:test`): tests/integration/pins.test.ts
// calls assembly/app/io.ts through them as an app would. The release
// module has none of these, so it imports none of the pin/ADC/I2C calls.
import * as io from "../../assembly/app/io";

const IO_BUF: i32 = 32;
function buf(): usize { return memory.data(IO_BUF); }

export function io_pin_mode(pin: i32, mode: i32): i32 { return io.pinMode(pin, mode); }
export function io_pin_read(pin: i32): i32 { return io.pinRead(pin); }
export function io_pin_write(pin: i32, level: i32): i32 { return io.pinWrite(pin, level); }
export function io_adc_read(channel: i32): i32 { return io.adcRead(channel); }
/** The buffer io_i2c_read_reg reads into. */
export function io_buf(): usize { return buf(); }
export function io_i2c_read_reg(addr: i32, reg: i32, len: i32): i32 {
  return len > IO_BUF ? -10 : io.i2cReadReg(addr, reg, buf(), len);
}
export function io_i2c_write_reg(addr: i32, reg: i32, value: i32): i32 { return io.i2cWriteReg(addr, reg, value); }
