// A module reset in the middle of a counted read (issue 13, section 4): a
// brown-out cuts the data of a read 8 bytes short, the power-on garbage
// fills the missing bytes and the `ready` / `RDY` line would be swallowed as
// data. MQTT has no checksum: nothing may reach the session from a read
// that did not end with its OK. With the emulators' reset-mid-read fault
// (and reset-after-read: the data whole, the restart before its OK) the
// peer publishes distinct payloads at QoS 0, 1 and 2 to the device, through
// SIM800 (CIPRXGET=2), ESP-AT passive (CIPRECVDATA) and ESP-AT active
// (+IPD pushed, the firmware refusing CIPRECVMODE). Every delivered payload
// must be one that was sent, QoS 1 at least once, QoS 2 exactly once, and
// the device back with its session.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { BRING_UP_MS, deliveryProblems, isUp, modemArgs, poll, type ModemKind } from '../helpers/modem-e2e.ts';
import { configSize } from '../helpers/profile.ts';

interface Setup { name: string; kind: ModemKind; extra: string[] }
const SETUPS: Setup[] = [
  { name: 'sim800', kind: 'sim800', extra: [] },
  { name: 'esp-at', kind: 'esp-at', extra: [] },
  { name: 'esp-at active', kind: 'esp-at', extra: ['--esp-no-passive'] },
];
const FAULTS = ['reset-mid-read', 'reset-after-read'] as const;
/** Messages per QoS, after the fault is armed. */
const N = 6;
const QOSS = [0, 1, 2] as const;
/** Long enough that the 8 missing bytes fall inside the payload. */
const payload = (qos: number, i: number): string => `q${qos}-${String(i).padStart(2, '0')}-abcdefghijklmnopqrstuvwxyz`;

describe('a module reset in the middle of a counted read (mosquitto, 115200 baud, persistent session)', { concurrency: 3 }, () => {
  for (const setup of SETUPS) {
    for (const fault of FAULTS) {
      test(`${setup.name} / ${fault}: nothing from an unconfirmed read reaches the session`, { timeout: 90000 }, async (t) => {
        const s = new Scope(t);
        const broker = await s.broker('mosquitto');
        const base = uniqueId(`rr/${setup.name.replace(' ', '-')}/${fault}`);
        const peer = await s.peer(broker.url);
        const sim = s.sim(modemArgs(setup.kind, broker.url, ['--client-id', uniqueId('rr'), '--no-clean', ...setup.extra]));
        await sim.waitFor(is.connected(false), BRING_UP_MS, 0, 'first CONNACK');
        sim.send(`sub ${base}/# 2`);
        await sim.waitFor(is.subscribed(`${base}/#`), 10000);
        // one message through first: the read path works before the fault
        await peer.publish(`${base}/warm`, 'warm-up', 1);
        await sim.waitFor(is.message(`${base}/warm`), 10000);

        const mark = sim.events.length;
        sim.send(`fault ${fault}`);
        await sim.waitFor((e) => e.event === 'fault', 3000, mark, `fault ${fault}`);
        for (let i = 0; i < N; i++) {
          for (const qos of QOSS) await peer.publish(`${base}/${qos}`, payload(qos, i), qos);
          await sleep(150);
        }
        const want = (qos: number): string[] => Array.from({ length: N }, (_, i) => payload(qos, i));
        const got = (qos: number): (string | undefined)[] => sim.filter(is.message(`${base}/${qos}`), mark).map((e) => e.payload);
        const complete = (): boolean => isUp(sim, mark) && [1, 2].every((q) => want(q).every((w) => got(q).includes(w)));
        // on timeout the problems below say what is missing
        await poll(complete, 30000, 'QoS 1 and 2 all delivered, device connected').catch(() => {});
        await sleep(1000); // a late duplicate would show up here

        const problems: string[] = [];
        for (const e of sim.filter(is.message(), mark)) {
          const last = e.topic?.split('/').at(-1);
          // the warm-up (QoS 1) may come again if the reset took its PUBACK
          const sent = last === 'warm' ? ['warm-up'] : QOSS.includes(Number(last) as 0) ? want(Number(last)) : [];
          const text = e.payloadBase64 !== undefined ? Buffer.from(e.payloadBase64, 'base64').toString('latin1') : e.payload;
          if (text === undefined || !sent.includes(text)) problems.push(`garbage on ${e.topic}: ${JSON.stringify(text)}`);
        }
        for (const x of deliveryProblems(want(1), got(1), false)) problems.push(`QoS 1: ${x}`);
        for (const x of deliveryProblems(want(2), got(2), true)) problems.push(`QoS 2: ${x}`);
        if (!isUp(sim, mark)) problems.push('device not connected at the end');
        assert.deepEqual(problems, [], `${problems.join('\n')}\n${sim.describe(80)}`);

        // the reset took the link: the device saw it and came back with its session
        const after = sim.events.slice(mark);
        assert.ok(after.some((e) => e.event === 'disconnected'), `the link went down\n${sim.describe()}`);
        const reconnects = after.filter((e) => e.event === 'connected');
        assert.ok(reconnects.length >= 1 && reconnects.every((e) => e.sessionPresent === true), `reconnected with the session\n${sim.describe()}`);
        t.diagnostic(`${setup.name} ${fault}: QoS 0 ${got(0).length}/${N}, QoS 1 ${got(1).length}/${N}, QoS 2 ${got(2).length}/${N}; ` +
          `${sim.stderr.split('\n').filter((l) => l.includes('not confirmed')).join(' | ') || 'no drop logged'}`);
        assert.equal(await sim.endAndExit(20000), 0, sim.describe());
      });
    }
  }
});

// Pushed data is held until confirmed, but a pushed burst (up to 2920 bytes)
// is longer than the receive ring: its older part must still flow to the
// session, and nothing may be lost on the way.
test('esp-at active: bursts longer than the receive ring (a backlog of large QoS 1 messages) arrive whole, with no disconnect', { timeout: 60000 }, async (t) => {
  const s = new Scope(t);
  const broker = await s.broker('mosquitto');
  const base = uniqueId('rr/bursts');
  const peer = await s.peer(broker.url);
  const sim = s.sim(modemArgs('esp-at', broker.url, ['--esp-no-passive']));
  await sim.waitFor(is.connected(false), BRING_UP_MS, 0, 'CONNACK');
  sim.send(`sub ${base}/# 1`);
  await sim.waitFor(is.subscribed(`${base}/#`), 10000);
  const size = Math.min(900, configSize('MAX_PACKET') - 64);
  const want = Array.from({ length: 20 }, (_, i) => String(i).padStart(3, '0') + 'x'.repeat(size - 3));
  await Promise.all(want.map((p) => peer.publish(`${base}/a`, p, 1)));
  await sim.waitForCount(is.message(`${base}/a`), 20, 30000, 0, 'every message').catch(() => {});
  const got = sim.filter(is.message(`${base}/a`)).map((e) => e.payload);
  assert.deepEqual([...new Set(got)].sort(), want, `every payload, intact\n${sim.describe(40)}`);
  assert.equal(sim.count(is.disconnected()), 0, sim.describe());
  assert.equal(await sim.endAndExit(20000), 0, sim.describe());
});
