// Sensor readings the host gives through the set_reading export (the
// simulator's drifting sensor): three wasm globals, no linear memory.
/** A channel the host never set. */
export const NO_READING: i32 = i32.MIN_VALUE;
let r0: i32 = NO_READING;
let r1: i32 = NO_READING;
let r2: i32 = NO_READING;

/** Channel 0 temperature (0.1 °C), 1 humidity (0.1 %), 2 battery (mV); others ignored. */
export function setReading(ch: i32, v: i32): void {
  if (ch == 0) r0 = v;
  else if (ch == 1) r1 = v;
  else if (ch == 2) r2 = v;
}

/** The host's last value for the channel, or NO_READING. */
export function reading(ch: i32): i32 {
  return ch == 0 ? r0 : ch == 1 ? r1 : ch == 2 ? r2 : NO_READING;
}
