// The thermostat's decisions, as pure functions: no I/O, no atmqtt import,
// so tests/thermostat.spec.ts checks them alone (npm run test:unit).

/** Half a degree either side of the setpoint (temperatures in 0.1 °C). */
export const HYSTERESIS: i32 = 5;

/** Whether the heater should run: on below setpoint - HYSTERESIS, off above
 * setpoint + HYSTERESIS, and in between as it was (no relay chatter). */
export function heaterOn(tenths: i32, setpoint: i32, wasOn: bool): bool {
  if (tenths < setpoint - HYSTERESIS) return true;
  if (tenths > setpoint + HYSTERESIS) return false;
  return wasOn;
}

/** An LM35 (10 mV/°C) on a 10-bit ADC with a 1.1 V reference: the reading
 * (0..1023) in 0.1 °C, 0.0 to 110.0. */
export function tenthsFromAdc(raw: i32): i32 {
  return raw * 1100 / 1023;
}

/** A setpoint a user may ask for: 5.0 to 35.0 °C. */
export function validSetpoint(tenths: i32): bool {
  return tenths >= 50 && tenths <= 350;
}
