// The app in the simulator: build/app.wasm (npm run build) on an emulated
// SIM800 modem, the embedded MQTT broker, and mqtt.js in the role of the
// user's phone. It sets the temperature sensor's ADC reading and checks the
// relay pin and what the thermostat publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startDevice } from 'atmqtt/testing';

const SENSOR = 0, RELAY = 13;   // as in assembly/app.ts
const T = 60_000;              // generous: the machine may be busy

test('thermostat: temperature, setpoint, hysteresis, online/offline', { timeout: 300_000 }, async (t) => {
  const dev = await startDevice();
  t.after(() => dev.stop());
  const phone = await mqtt.connectAsync(dev.url);
  t.after(() => phone.endAsync());
  const got = [];
  phone.on('message', (topic, payload) => got.push({ topic, text: payload.toString() }));
  await phone.subscribeAsync('thermostat/#', { qos: 1 });

  /** The next message on topic (from index `from` of got) whose text passes ok. */
  const next = async (topic, ok = () => true, from = got.length) => {
    for (const until = Date.now() + T; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      const m = got.slice(from).find((x) => x.topic === topic && ok(x.text));
      if (m) return m.text;
    }
    assert.fail(`no ${topic} message within ${T} ms; got ${JSON.stringify(got.slice(-5))}`);
  };
  const reading = async (temperature) => JSON.parse(await next('thermostat/temperature', (s) => JSON.parse(s).temperature === temperature));

  assert.equal(await next('thermostat/status', undefined, 0), 'online');

  // 16.1 °C (ADC 150), below 20.0 - 0.5: the heater goes on
  dev.setAdc(SENSOR, 150);
  assert.deepEqual(await reading(16.1), { temperature: 16.1, setpoint: 20, heating: true });
  await dev.waitPin(RELAY, 1, T, 0);

  // 20.3 °C, inside the band: it stays on
  dev.setAdc(SENSOR, 189);
  assert.deepEqual(await reading(20.3), { temperature: 20.3, setpoint: 20, heating: true });
  assert.equal(dev.pin(RELAY), 1);

  // 26.8 °C, above 20.5: off
  const off = dev.events.length;
  dev.setAdc(SENSOR, 250);
  assert.deepEqual(await reading(26.8), { temperature: 26.8, setpoint: 20, heating: false });
  await dev.waitPin(RELAY, 0, T, off);

  // setpoint 30.0 at QoS 1: it heats at once, and says so
  const from = got.length;
  await phone.publishAsync('thermostat/setpoint', '30.0', { qos: 1 });
  const now = JSON.parse(await next('thermostat/temperature', (s) => JSON.parse(s).setpoint === 30, from));
  assert.deepEqual(now, { temperature: 26.8, setpoint: 30, heating: true });
  assert.equal(dev.pin(RELAY), 1);

  // nonsense and out-of-range setpoints change nothing (25.0 after them shows they were read)
  const bad = got.length;
  for (const s of ['warm', '99', '25.0']) await phone.publishAsync('thermostat/setpoint', s, { qos: 1 });
  await next('thermostat/temperature', (s) => JSON.parse(s).setpoint === 25, bad);
  const seen = got.slice(bad).filter((m) => m.topic === 'thermostat/temperature').map((m) => JSON.parse(m.text).setpoint);
  assert.deepEqual([...new Set(seen)].filter((s) => s !== 30 && s !== 25), [], `setpoints published: ${seen}`);

  // the network goes: the broker publishes its will, then it is back online
  const drop = got.length;
  dev.dropNetwork();
  assert.equal(await next('thermostat/status', (s) => s === 'offline', drop), 'offline');
  assert.equal(await next('thermostat/status', (s) => s === 'online', drop), 'online');
});
