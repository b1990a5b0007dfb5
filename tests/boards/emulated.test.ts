// Every board image inside the emulator of its CPU (`atmqtt sim --board`),
// through the emulated SIM800 to a real Mosquitto, with an mqtt.js peer:
// power-on to CONNACK, QoS 0/1/2 × 10 both ways with exact counts, a
// retained message, the last will after `fault drop` and the reconnect, and
// a module reboot in the middle of a QoS 1/2 stream with nothing lost.
// The ATmega1284P also through the ESP-AT emulator.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is, publishWindowed, type Sim } from '../helpers/sim.ts';
import { downTopic, payloadList, runStream, streamProblems, type ModemKind } from '../helpers/modem-e2e.ts';
import { BOARDS, type BoardName } from '../../sim/board/index.ts';

const N = 10;
/** Short topics and a publish window inside the small profile's router (80 bytes) and outbox (8 records). */
const short = (): string => `b/${Math.random().toString(36).slice(2, 8)}`;
const WINDOW = 4;
const QOSS = [0, 1, 2] as const;
/** An emulated CPU is slower to boot than the desktop host; generous on a loaded 2-core machine. */
const BRING_UP_MS = 45000;

// ATMQTT_BOARD=NAME runs one board only (for working on it); CI runs them all
type Run = { board: BoardName; modem: ModemKind };
const runs: Run[] = ([
  ...(Object.keys(BOARDS) as BoardName[]).map((board): Run => ({ board, modem: 'sim800' })),
  { board: 'atmega1284p', modem: 'esp-at' },
] as Run[]).filter((r) => process.env.ATMQTT_BOARD === undefined || r.board === process.env.ATMQTT_BOARD);

async function boardDevice(s: Scope, board: BoardName, modem: ModemKind, url: string, extra: string[] = []): Promise<{ sim: Sim; connackMs: number }> {
  const sim = s.sim(['--board', board, '--modem', modem, '--broker', url, '--baud', '115200', ...extra]);
  const c = await sim.waitFor(is.connected(), BRING_UP_MS, 0, `CONNACK from ${board} through ${modem}`);
  return { sim, connackMs: c.at - sim.startedAt };
}

for (const { board, modem } of runs) {
  describe(`${board} in its emulator, through ${modem} (mosquitto, 115200 baud)`, () => {
    test('power-on to CONNACK; QoS 0/1/2 × 10 both ways, exact; retained; will after fault drop, then back', { timeout: 120000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = short();
      const peer = await s.peer(broker.url);
      await peer.subscribe(`${base}/up/#`, 2);
      await peer.subscribe(`${base}/status`, 1);
      await peer.publish(`${base}/ret`, 'kept', 1, true);

      const { sim, connackMs } = await boardDevice(s, board, modem, broker.url, [
        '--client-id', uniqueId(`b-${board}`), '--will-topic', `${base}/status`, '--will-payload', 'offline', '--will-qos', '1']);
      t.diagnostic(`${board} via ${modem}: process start to CONNACK ${connackMs} ms (build check, emulator boot, modem bring-up)`);

      sim.sendAll([`sub ${base}/down/# 2`, `sub ${base}/ret 1`]);
      await sim.waitForCount(is.subscribed(), 2, 15000, 0, 'two SUBACKs');
      const ret = await sim.waitFor(is.message(`${base}/ret`), 10000);
      assert.equal(ret.payload, 'kept');
      assert.equal(ret.retain, true, 'retained flag on subscribe');

      // device → peer
      for (const qos of QOSS) await publishWindowed(sim, `${base}/up/${qos}`, qos, payloadList(`u${qos}`, N), 30000, WINDOW);
      for (const qos of QOSS) await peer.waitForMessages(`${base}/up/${qos}`, N, 15000);
      // peer → device
      for (const qos of QOSS) for (const p of payloadList(`d${qos}`, N)) await peer.publish(`${base}/down/${qos}`, p, qos);
      await sim.waitForCount((e) => e.event === 'message' && e.topic !== `${base}/ret`, 3 * N, 30000, 0, 'every message to the device');
      await sleep(500); // a duplicate would show up here
      for (const qos of QOSS) {
        assert.deepEqual(peer.on(`${base}/up/${qos}`).map((m) => m.text), payloadList(`u${qos}`, N), `up QoS ${qos}: each once, in order`);
        assert.deepEqual(sim.filter(is.message(`${base}/down/${qos}`)).map((e) => e.payload), payloadList(`d${qos}`, N),
          `down QoS ${qos}: each once, in order\n${sim.describe()}`);
        assert.equal(sim.count(is.published(`${base}/up/${qos}`)), N);
      }
      assert.equal(sim.count(is.error()), 0, `no error\n${sim.describe()}`);

      // the network lost: the broker publishes the will; the device comes back
      const mark = sim.events.length;
      sim.send('fault drop');
      const [will] = await peer.waitForMessages(`${base}/status`, 1, 15000);
      assert.equal(will.text, 'offline');
      await sim.waitFor(is.disconnected(), 15000, mark);
      await sim.waitFor(is.connected(), BRING_UP_MS, mark, 'reconnect after fault drop');

      const st = await stats(sim);
      t.diagnostic(`${board} figures: ${JSON.stringify(st)}`);
      assert.equal(await sim.endAndExit(30000), 0, sim.describe());
    });

    if (modem === 'sim800') {
      test('fault reboot in the middle of a QoS 1/2 stream both ways: nothing lost, QoS 2 once', { timeout: 150000 }, async (t) => {
        const s = new Scope(t);
        const broker = await s.broker('mosquitto');
        const base = short();
        const peer = await s.peer(broker.url);
        await peer.subscribe(`${base}/up/#`, 2);
        const { sim } = await boardDevice(s, board, modem, broker.url, ['--client-id', uniqueId(`r-${board}`), '--no-clean']);
        sim.sendAll([`sub ${downTopic(base, 1)} 1`, `sub ${downTopic(base, 2)} 2`]);
        await sim.waitForCount(is.subscribed(), 2, 15000);
        const plan = { base, n: 6, intervalMs: 400, faultAt: 3, fault: 'reboot', settleMs: 60000 }; // within the small outbox
        const out = await runStream(sim, peer, plan, 0);
        await sleep(1000);
        assert.deepEqual(streamProblems(sim, peer, plan, 0), [], sim.describe());
        t.diagnostic(`${board}: reconnected ${out.reconnectMs} ms after the reboot, all delivered after ${out.completeMs} ms`);
        assert.equal(await sim.endAndExit(30000), 0, sim.describe());
      });
    }
  });
}

// Board I/O through the runner: `set` reaches the board's console table,
// a modem pin is refused there. (The default app drives no pins: the round
// trip of a pin write and an ADC read through the firmware runs the probe
// build in tests/boards/rv32-image.test.ts.)
if (process.env.ATMQTT_BOARD === undefined || process.env.ATMQTT_BOARD === 'rv32-qemu') {
  test('rv32-qemu: set pin/adc/i2c reach the board console; a modem pin is refused', { timeout: 60000 }, async (t) => {
    const s = new Scope(t);
    const broker = await s.broker('mosquitto');
    const { sim } = await boardDevice(s, 'rv32-qemu', 'sim800', broker.url, ['--client-id', uniqueId('io-rv32')]);
    const mark = sim.events.length;
    sim.sendAll(['set pin 2 1', 'set adc 0 512', 'set i2c 0x48 1940', 'set pin 4 1']);
    const [e] = await sim.waitForCount(is.error(), 1, 10000, mark, 'the refusal');
    assert.match(e.message ?? '', /modem/);
    await sleep(500);
    assert.equal(sim.count(is.error(), mark), 1, sim.describe());
    assert.equal(await sim.endAndExit(30000), 0, sim.describe());
  });
}

/** The board's figures (`stats`), as the runner reports them. */
async function stats(sim: Sim): Promise<Record<string, unknown>> {
  const mark = sim.events.length;
  sim.send('stats');
  return (await sim.waitFor((e) => e.event === 'stats', 5000, mark, 'stats')) as unknown as Record<string, unknown>;
}
