// The end-to-end modem suite with the two halves in separate processes:
// `atmqtt modem --raw` (or `--pty`) serves the emulated module, and
// `atmqtt sim --uart tcp:…` (or the terminal's path, through the serialport
// package) runs the firmware on it, against a real Mosquitto with an
// mqtt.js peer. Pins do not travel on a raw stream: the firmware's power
// pulses are relayed to the emulator's stdin (relayPins). Used by
// tests/integration/hil-tcp.test.ts and hil-pty.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from './scope.ts';
import { is, type Sim } from './sim.ts';
import { BRING_UP_MS, payloadList, publishWindowed, runStream, streamProblems, type ModemKind, type StreamPlan } from './modem-e2e.ts';
import { ModemProc, relayPins } from './modem-proc.ts';

export type HilLink = 'tcp' | 'pty';

/** An emulator in its own process, torn down with the scope (after the simulators started later). */
export async function emulator(s: Scope, kind: ModemKind, link: HilLink): Promise<ModemProc> {
  const m = await ModemProc.start(['--modem', kind, '--baud', '115200', ...(link === 'pty' ? ['--pty'] : ['--listen', '0', '--raw'])]);
  s.defer(() => m.kill());
  return m;
}

/** A device on the emulator's stream; its power pulses relayed; waits for CONNACK. */
export async function hilDevice(s: Scope, kind: ModemKind, modem: ModemProc, url: string, extra: string[] = [], sessionPresent = false): Promise<Sim> {
  const sim = s.sim(['--broker', url, '--modem', kind, '--baud', '115200', '--uart', modem.uartArg, ...extra]);
  const stop = relayPins(sim, modem);
  s.defer(async () => stop());
  await sim.waitFor(is.connected(sessionPresent), BRING_UP_MS, 0, `CONNACK over ${modem.uartArg}`);
  return sim;
}

/** AT commands answered at once (no network wait, no payload): their round trips say what the link adds. */
const QUICK = /^AT(E0|\+CPIN\?|\+CREG\?|\+CGREG\?|\+CMEE=\d|\+CIPMUX=1|\+CIPQSEND=1|\+CIPRXGET=[14].*|\+CIPRECVMODE=1|\+CWMODE=1|\+CIPRECVLEN\?|\+CIPSTATUS)?\\r(\\n)?$/;

/**
 * AT round trips (ms) from a `--trace` log of `atmqtt sim --uart`: from a
 * quick command's write to the end of its final result (OK / ERROR), both
 * stamped on the device's side of the stream.
 */
export function atRoundTrips(stderr: string): number[] {
  const out: number[] = [];
  let open: { t: number; got: string } | null = null;
  for (const line of stderr.split('\n')) {
    const m = /^\s*(\d+\.\d+) (dev->mdm|mdm->dev) (?:>>|<<) (.*)$/.exec(line);
    if (!m) continue;
    const t = Number(m[1]) * 1000;
    if (m[2] === 'dev->mdm') {
      open = QUICK.test(m[3]!) ? { t, got: '' } : null;
      continue;
    }
    if (!open) continue;
    open.got += m[3]!;
    if (/(^|\\n)(OK|ERROR)\\r\\n/.test(open.got)) { out.push(t - open.t); open = null; }
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/** ms from a `pub` line to its `published` event (PUBACK), one at a time. */
export async function qos1RoundTrips(sim: Sim, topic: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = sim.events.length;
    const t0 = Date.now();
    sim.send(`pub ${topic} 1 0 rtt-${i}`);
    const e = await sim.waitFor(is.published(topic, 1), 10000, from, `PUBACK ${i}`);
    out.push(e.at - t0);
  }
  return out;
}

function assertHealthy(sim: Sim): void {
  assert.equal(sim.count(is.error()), 0, `no error\n${sim.describe()}`);
  assert.equal(sim.count(is.disconnected()), 0, `no disconnect\n${sim.describe()}`);
}

const N = 10;
const QOSS = [0, 1, 2] as const;

export interface HilSuite {
  link: HilLink;
  kind: ModemKind;
  /** the fault in the middle of the QoS 1/2 stream */
  fault: string;
  /** how long the stream may take to settle after it */
  settleMs: number;
}

/** The suite: QoS 0/1/2 both ways (and the round trips), will and retained, persistent session, a fault mid-stream. */
export function hilSuite(o: HilSuite): void {
  const over = o.link === 'tcp' ? 'tcp: (atmqtt modem --raw)' : 'a pseudo-terminal (atmqtt modem --pty, serialport)';
  describe(`${o.kind} in another process, over ${over}`, { concurrency: 2 }, () => {
    test(`QoS 0/1/2 both ways, ${N} each, exactly once and in order; the password masked in the trace; AT and QoS 1 round trips`, { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const secret = `hil-pw-${Math.random().toString(36).slice(2, 10)}`;
      const broker = await s.broker('mosquitto', { users: { dev: secret, peer: 'peer-pw' } });
      const base = uniqueId(`hil/${o.link}/${o.kind}`);
      const peer = await s.peer(broker.url, { username: 'peer', password: 'peer-pw' });
      await peer.subscribe(`${base}/up/#`, 2);
      const modem = await emulator(s, o.kind, o.link);
      const sim = await hilDevice(s, o.kind, modem, broker.url, ['--trace', '--username', 'dev', '--password', secret]);
      // the CONNECT went through the traced UART: its password masked
      assert.ok(sim.stderr.includes('dev->mdm') && sim.stderr.includes('*'.repeat(secret.length)), 'a traced CONNECT with the password masked');
      assert.ok(!sim.stderr.includes(secret), 'the password is not in the trace');
      sim.send(`sub ${base}/down/# 2`);
      assert.equal((await sim.waitFor(is.subscribed(`${base}/down/#`), 10000)).granted, 2);

      for (const qos of QOSS) await publishWindowed(sim, `${base}/up/${qos}`, qos, payloadList(`u${qos}`, N), 30000);
      for (const qos of QOSS) for (const p of payloadList(`d${qos}`, N)) await peer.publish(`${base}/down/${qos}`, p, qos);
      for (const qos of QOSS) await peer.waitForMessages(`${base}/up/${qos}`, N, 10000);
      await sim.waitForCount(is.message(), 3 * N, 30000, 0, 'every message to the device');
      await sleep(500); // a duplicate would show up here
      for (const qos of QOSS) {
        const up = peer.on(`${base}/up/${qos}`);
        assert.deepEqual(up.map((m) => m.text), payloadList(`u${qos}`, N), `device → peer QoS ${qos}`);
        assert.ok(up.every((m) => m.qos === qos && !m.dup));
        const down = sim.filter(is.message(`${base}/down/${qos}`));
        assert.deepEqual(down.map((m) => m.payload), payloadList(`d${qos}`, N), `peer → device QoS ${qos}\n${sim.describe()}`);
        assert.ok(down.every((m) => m.qos === qos && !m.dup));
      }
      assert.equal(sim.count(is.message()), 3 * N, 'nothing else');

      const pub = await qos1RoundTrips(sim, `${base}/rtt`, 10);
      const at = atRoundTrips(sim.stderr);
      assert.ok(at.length >= 5, `AT round trips found in the trace: ${at.length}`);
      t.diagnostic(`${o.kind} over ${o.link}: AT round trip median ${median(at).toFixed(1)} ms (min ${Math.min(...at).toFixed(1)}, max ${Math.max(...at).toFixed(1)}, ${at.length} commands); ` +
        `QoS 1 publish to PUBACK median ${median(pub)} ms (min ${Math.min(...pub)}, max ${Math.max(...pub)})`);
      assertHealthy(sim);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test('retained on subscribe; the will after the modem loses its network, retained, and the device back', { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`hil/${o.link}/${o.kind}/wr`);
      const willTopic = `${base}/status`;
      const peer = await s.peer(broker.url);
      await peer.publish(`${base}/config`, 'mode=eco', 1, true);
      await peer.subscribe(willTopic, 2);
      const modem = await emulator(s, o.kind, o.link);
      const sim = await hilDevice(s, o.kind, modem, broker.url, ['--client-id', uniqueId('hil-will'),
        '--will-topic', willTopic, '--will-payload', 'offline', '--will-qos', '1', '--will-retain']);
      sim.send(`sub ${base}/config 1`);
      const m = await sim.waitFor(is.message(`${base}/config`), 10000);
      assert.equal(m.payload, 'mode=eco');
      assert.equal(m.retain, true);

      const mark = sim.events.length;
      await modem.fault('pdp-deact');
      const [will] = await peer.waitForMessages(willTopic, 1, 15000);
      assert.equal(will.text, 'offline');
      const late = await s.peer(broker.url);
      await late.subscribe(willTopic, 1);
      const [kept] = await late.waitForMessages(willTopic, 1, 5000);
      assert.equal(kept.retain, true, 'will retained');
      await sim.waitFor(is.disconnected(), 15000, mark);
      await sim.waitFor(is.connected(), BRING_UP_MS, mark, 'reconnect after the network came back');
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
      await sleep(500);
      assert.equal(peer.on(willTopic).length, 1, `one will, none after the clean exit: ${peer.summary()}`);
    });

    test('persistent session: the device off, then back on the same module: queued QoS 1/2 arrive, session present', { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`hil/${o.link}/${o.kind}/sess`);
      const id = uniqueId(`hil-sess-${o.kind}`);
      const M = 5;
      const modem = await emulator(s, o.kind, o.link);
      const first = await hilDevice(s, o.kind, modem, broker.url, ['--client-id', id, '--no-clean']);
      first.sendAll([`sub ${base}/1 1`, `sub ${base}/2 2`]);
      await first.waitForCount(is.subscribed(), 2, 10000);
      assert.equal(await first.endAndExit(20000), 0, first.describe());

      const peer = await s.peer(broker.url);
      for (const qos of [1, 2] as const) for (const p of payloadList(`s${qos}`, M)) await peer.publish(`${base}/${qos}`, p, qos);
      // the module stayed powered between the two runs, as on a bench
      const again = await hilDevice(s, o.kind, modem, broker.url, ['--client-id', id, '--no-clean'], true);
      await again.waitForCount(is.message(), 2 * M, 20000, 0, 'the queued messages');
      await sleep(500);
      for (const qos of [1, 2] as const) {
        assert.deepEqual(again.filter(is.message(`${base}/${qos}`)).map((e) => e.payload), payloadList(`s${qos}`, M), `QoS ${qos}\n${again.describe()}`);
      }
      assertHealthy(again);
      assert.equal(await again.endAndExit(20000), 0, again.describe());
    });

    test(`${o.fault} in the middle of a QoS 1/2 stream both ways: nothing lost, QoS 2 exactly once`, { timeout: 60000 + o.settleMs }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`hil/${o.link}/${o.kind}/f`);
      const peer = await s.peer(broker.url);
      await peer.subscribe(`${base}/up/#`, 2);
      const modem = await emulator(s, o.kind, o.link);
      const sim = await hilDevice(s, o.kind, modem, broker.url, ['--client-id', uniqueId('hil-f'), '--no-clean']);
      sim.send(`sub ${base}/down/# 2`);
      await sim.waitFor(is.subscribed(`${base}/down/#`), 10000);
      const from = sim.events.length;
      const plan: StreamPlan = {
        base, n: N, intervalMs: 300, faultAt: N / 2, fault: o.fault, settleMs: o.settleMs,
        inject: (f) => modem.fault(f),
      };
      const out = await runStream(sim, peer, plan, from);
      await sleep(1000);
      const problems = streamProblems(sim, peer, plan, from);
      assert.deepEqual(problems, [], `${problems.join('\n')}\n${sim.describe(120)}`);
      assert.deepEqual(out.peerPublishErrors, []);
      const pulses = sim.count((e) => e.event === 'gpio');
      t.diagnostic(`${o.kind} ${o.fault} over ${o.link}: ${out.disconnects.length} disconnect(s), reconnected ${out.reconnectMs === null ? 'never needed' : `after ${out.reconnectMs} ms`}, ` +
        `all delivered ${out.completeMs} ms after the fault, ${pulses} power pin edges relayed`);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });
  });
}
