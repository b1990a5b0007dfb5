// A thermostat. Every 5 s it reads the temperature on ADC channel 0,
// switches the heater relay on pin 13 (with half a degree of hysteresis)
// and publishes {"temperature":21.5,"setpoint":20.0,"heating":false} to
// thermostat/temperature. thermostat/setpoint (QoS 1, "22.5") moves the
// setpoint. thermostat/status is "online" while it is connected, and the
// broker publishes its will, "offline", when it drops off.
import { ascii, viewOf, View, Writer, workBuffer, publish, subscribe, setWill, onConnect,
         every, pinMode, pinWrite, adcRead, OUTPUT } from "atmqtt";
import { heaterOn, tenthsFromAdc, validSetpoint } from "./thermostat";

const SENSOR = 0;            // ADC channel of the LM35
const RELAY = 13;            // heater relay output
const PERIOD_MS: u32 = 5000;

let setpoint: i32 = 200;     // 0.1 °C: 20.0 °C
let heating = false;

function control(): void {
  const t = tenthsFromAdc(adcRead(SENSOR));
  heating = heaterOn(t, setpoint, heating);
  pinWrite(RELAY, heating ? 1 : 0);
  // the JSON is written into the API's scratch buffer: no RAM of our own
  const json = Writer.over(workBuffer(), 96);
  publish(ascii("thermostat/temperature"), json.begin()
    .keyFixed(ascii("temperature"), t, 1)
    .keyFixed(ascii("setpoint"), setpoint, 1)
    .keyBool(ascii("heating"), heating).end());
}

function onSetpoint(topic: View, payload: View): void {
  const v = payload.toFixed(1, -1);
  if (!validSetpoint(v)) return;   // not a number, or out of 5.0..35.0
  setpoint = v;
  control();                       // act on it now, not at the next tick
}

export function setup(): void {
  pinMode(RELAY, OUTPUT);
  setWill(ascii("thermostat/status"), ascii("offline"), 1, true);
  onConnect((sessionPresent: bool): void => {
    publish(ascii("thermostat/status"), viewOf(ascii("online")), 1, true);
  });
  subscribe(ascii("thermostat/setpoint"), 1, onSetpoint);
  every(PERIOD_MS, control);
}
