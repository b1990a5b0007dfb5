// Secrets stay out of what a device prints and what a trace shows (issue
// 13 §5): a new user's run with --trace through each modem, every line of
// stdout and stderr (the firmware's log, the UART trace) searched for the
// configured MQTT, APN and Wi-Fi passwords; --show-secrets shows them. And
// quoted AT arguments: an ESP-AT Wi-Fi password with `"`, `,` and `\` is
// escaped as its manual asks and joins; a `"` in a SIM800 APN password is a
// named configuration error at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { BRING_UP_MS, modemArgs } from '../helpers/modem-e2e.ts';

const MQTT_PW = 'SECRETPW';
const APN_PW = 'APNSECRET';
const WIFI_PW = 'pa"ss,w\\0rd';

test('sim800 --trace: neither the MQTT nor the APN password in any log or trace line', { timeout: 60000 }, async (t) => {
  const s = new Scope(t);
  const broker = await s.broker('aedes');
  const sim = s.sim(modemArgs('sim800', broker.url, ['--username', 'alice', '--password', MQTT_PW, '--apn-password', APN_PW, '--trace']));
  await sim.waitFor(is.connected(), BRING_UP_MS);
  assert.equal(await sim.endAndExit(20000), 0, sim.describe());
  const all = sim.stderr + sim.events.map((e) => JSON.stringify(e)).join('\n');
  assert.match(sim.stderr, /at> AT\+CSTT="internet","","\*\*\*"/, 'the APN password masked in the firmware log');
  assert.ok(sim.stderr.includes('dev->mdm'), 'the UART trace is there');
  for (const secret of [MQTT_PW, APN_PW]) assert.equal(all.includes(secret), false, `${secret} printed somewhere`);
});

test('esp-at: a Wi-Fi password with " , \\ is escaped, joins, and stays masked; --show-secrets shows it', { timeout: 90000 }, async (t) => {
  const s = new Scope(t);
  const broker = await s.broker('aedes');
  const args = modemArgs('esp-at', broker.url, ['--ssid', 'ap', '--wifi-password', WIFI_PW, '--ap-ssid', 'ap', '--ap-password', WIFI_PW, '--trace']);
  const hidden = s.sim(args);
  await hidden.waitFor(is.connected(), BRING_UP_MS, 0, 'joined with the escaped password');
  assert.equal(await hidden.endAndExit(20000), 0, hidden.describe());
  assert.match(hidden.stderr, /at> AT\+CWJAP="ap","\*\*\*"/);
  assert.equal(hidden.stderr.includes('pa"ss') || hidden.stderr.includes('pa\\"ss'), false, 'no part of the password printed');

  const shown = s.sim([...args, '--show-secrets']);
  await shown.waitFor(is.connected(), BRING_UP_MS);
  assert.equal(await shown.endAndExit(20000), 0, shown.describe());
  assert.ok(shown.stderr.includes('AT+CWJAP="ap","pa\\"ss\\,w\\\\0rd"'), 'escaped as the ESP-AT manual asks, shown on request');
});

test('sim800: a " in the APN password is a named configuration error at start-up', { timeout: 30000 }, async (t) => {
  const s = new Scope(t);
  const sim = s.sim(modemArgs('sim800', 'mqtt://127.0.0.1:1', ['--apn-password', 'ab"cd']));
  const e = await sim.waitFor(is.error(), 10000);
  assert.equal(e.code, 'bad-config');
  assert.equal(await sim.endAndExit(10000), 2);
  assert.match(sim.stderr, /apn: " or control byte/);
});
