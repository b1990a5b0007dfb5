// Modem faults in the middle of traffic: for each emulated modem and each
// fault of the emulator, QoS 1 and QoS 2 messages flow both ways (device →
// peer and peer → device) while the fault strikes. The device must recover
// by itself and, with a persistent session (--no-clean, fixed client id) on
// a broker that stays up, MQTT 3.1.1 promises that no QoS 1 message is lost
// (4.3.2: at least once) and no QoS 2 message is lost or doubled (4.3.3:
// exactly once), in both directions: the device resends what was not
// acknowledged (4.4), the broker keeps what arrived for the device while
// it was away (3.1.2.4) and says so with session present (3.2.2.2).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import {
  BRING_UP_MS, FAULT_NAMES, MODEMS, modemArgs, runStream, streamProblems,
  type FaultName, type StreamPlan,
} from '../helpers/modem-e2e.ts';

/** Messages per QoS per direction. */
const N = 10;
/** Rounds 300 ms apart: the stream lasts about 3 s; the fault strikes halfway. */
const INTERVAL_MS = 300;

const DEBUG_DIR = process.env.ATMQTT_MODEM_DEBUG;

/** Faults that take the TCP link away: the device must see the link go and come back. */
const BREAKS_LINK: ReadonlySet<FaultName> = new Set(['drop', 'pdp-deact', 'reboot', 'hang', 'send-fail', 'reset-mid-read', 'reset-after-read']);

/**
 * How long recovery may take, after the last round. hang: three commands
 * unanswered (CIPSEND 5 s, CIPCLOSE 5 s, then CIPSTART: 2 s on SIM, 20 s on
 * ESP), a power cycle (PWRKEY low 1.6 s / RESET low 0.1 s, boot 3 s) and bring-up. On
 * SIM the first PWRKEY pulse only switches the hung module off, and a second
 * one follows the AT probes (nine at the configured rate, one at each other
 * common rate): ~30 s in all; ESP ~36 s. slow: every reply
 * waits half the manual's maximum time (~5 s here).
 */
const SETTLE_MS: Record<FaultName, number> = {
  drop: 30000, 'pdp-deact': 30000, reboot: 30000, garbage: 30000, 'urc-storm': 30000,
  'send-fail': 30000, hang: 90000, slow: 90000, 'reset-mid-read': 30000, 'reset-after-read': 30000,
};

// Each case is its own Mosquitto, simulator and peer: they run side by side.
describe('modem faults mid-stream (mosquitto, 115200 baud, persistent session)', { concurrency: 4 }, () => {
  for (const kind of MODEMS) {
    for (const fault of FAULT_NAMES) {
      test(`${kind} / ${fault}: recovers; QoS 1 at least once, QoS 2 exactly once, both ways`, { timeout: 60000 + SETTLE_MS[fault] }, async (t) => {
        // ATMQTT_MODEM_DEBUG=dir keeps the logs of every case (registered
        // before the scope so it runs before the teardown removes them)
        let dump: (() => void) | null = null;
        if (DEBUG_DIR) t.after(() => dump?.());
        const s = new Scope(t);
        const broker = await s.broker('mosquitto');
        const base = uniqueId(`mf/${kind}/${fault}`);
        const id = uniqueId(`mf-${kind}-${fault}`);
        const peer = await s.peer(broker.url);
        await peer.subscribe(`${base}/up/#`, 2);
        const sim = s.sim(modemArgs(kind, broker.url, ['--client-id', id, '--no-clean', ...(DEBUG_DIR ? ['--trace'] : [])]));
        if (DEBUG_DIR) {
          dump = () => {
            const dir = join(DEBUG_DIR, `${kind}-${fault}`);
            mkdirSync(dir, { recursive: true });
            writeFileSync(join(dir, 'mosquitto.log'), broker.mosquitto?.log() ?? '');
            writeFileSync(join(dir, 'sim.stderr'), sim.stderr);
            writeFileSync(join(dir, 'events.txt'), sim.describe(100000));
            writeFileSync(join(dir, 'peer.txt'), peer.messages.map((m) => `${m.at} ${m.topic} q${m.qos}${m.dup ? ' dup' : ''} ${m.text}`).join('\n'));
          };
        }
        await sim.waitFor(is.connected(false), BRING_UP_MS, 0, 'first CONNACK');
        sim.send(`sub ${base}/down/# 2`);
        const sub = await sim.waitFor(is.subscribed(`${base}/down/#`), 10000);
        assert.equal(sub.granted, 2);
        const from = sim.events.length;

        const plan: StreamPlan = { base, n: N, intervalMs: INTERVAL_MS, faultAt: N / 2, fault, settleMs: SETTLE_MS[fault] };
        const out = await runStream(sim, peer, plan, from);
        await sleep(1000); // late duplicates would show up here

        const problems = streamProblems(sim, peer, plan, from);
        assert.deepEqual(problems, [], `${problems.join('\n')}\n${sim.describe(120)}\npeer: ${peer.summary(60)}`);
        assert.deepEqual(out.peerPublishErrors, [], 'every peer publish completed at the broker');

        // recovered by itself: connected now, and every reconnect resumed the session
        const after = sim.events.slice(out.faultIndex);
        const last = after.filter((e) => e.event === 'connected' || e.event === 'disconnected').at(-1);
        assert.ok(last === undefined || last.event === 'connected', `connected at the end\n${sim.describe()}`);
        const reconnects = after.filter((e) => e.event === 'connected');
        assert.ok(reconnects.every((e) => e.sessionPresent === true), `every reconnect found the session (session present)\n${sim.describe()}`);
        if (BREAKS_LINK.has(fault)) {
          assert.ok(out.disconnects.length >= 1, `${fault} broke the link\n${sim.describe()}`);
          assert.ok(out.reconnectMs !== null, 'and the device connected again');
        }
        assert.equal(sim.count(is.error('outbox-full')), 0, sim.describe());
        assert.equal(sim.count(is.message(), 0), sim.count(is.message(), from), 'no message before the stream');

        t.diagnostic(`${kind} ${fault}: ${out.disconnects.length} disconnect(s) [${out.disconnects.map((d) => d.reason).join(',')}], ` +
          `reconnected ${out.reconnectMs === null ? 'never needed' : `after ${out.reconnectMs} ms`}, all delivered ${out.completeMs} ms after the fault; ` +
          `device got ${sim.count(is.message(), from)} messages (${sim.filter(is.message(), from).filter((e) => e.dup).length} with DUP) for ${2 * N} sent to it, ` +
          `peer got ${peer.messages.length} for ${2 * N}`);
        assert.equal(await sim.endAndExit(20000), 0, sim.describe());
      });
    }
  }
});

// Call Ready / SMS Ready end SIM phonebook / SMS set-up; a real SIM800 may
// send them long after registration (TinyGSM #537). Taken for a reboot they
// once dropped the link and redid bring-up: mid-session they must cost nothing.
describe('late Call Ready / SMS Ready mid-stream (mosquitto, 115200 baud)', () => {
  for (const kind of ['sim800', 'sim900'] as const) {
    test(`${kind} / late Call Ready is no reboot: no reconnect, nothing lost`, { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`mf/${kind}/late-ready`);
      const id = uniqueId(`mf-${kind}-late-ready`);
      const peer = await s.peer(broker.url);
      await peer.subscribe(`${base}/up/#`, 2);
      const sim = s.sim(modemArgs(kind, broker.url, ['--client-id', id, '--no-clean']));
      await sim.waitFor(is.connected(false), BRING_UP_MS, 0, 'first CONNACK');
      sim.send(`sub ${base}/down/# 2`);
      await sim.waitFor(is.subscribed(`${base}/down/#`), 10000);
      const from = sim.events.length;
      const plan: StreamPlan = { base, n: N, intervalMs: INTERVAL_MS, faultAt: N / 2, fault: 'late-ready', settleMs: 30000 };
      const out = await runStream(sim, peer, plan, from);
      await sleep(1000);
      const problems = streamProblems(sim, peer, plan, from);
      assert.deepEqual(problems, [], `${problems.join('\n')}\n${sim.describe(120)}`);
      assert.equal(out.disconnects.length, 0, `no reconnect\n${sim.describe()}`);
      assert.doesNotMatch(sim.stderr, /module restarted/, 'not taken for a restart');
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });
  }
});
