// Section 2, UART goodput: the firmware on each emulated modem at 115200
// baud, through a latency proxy (bench/delay-proxy.ts) to a real Mosquitto,
// publishing as fast as it may for a while; payload bytes the subscriber
// got per second ÷ 11,520 B/s (the line rate at 10 bits a byte). Side by
// side on the same connection, the same stream the way TinyGSM +
// PubSubClient send it: one packet per CIPSEND (the next publish only once
// the module answered SEND OK / DATA ACCEPT for the last) and QoS 1 stop
// and wait (the next only once the last was acknowledged). Both are
// imposed from outside, by when the app calls publish(): the firmware
// needs no knob for it. Real time throughout (the UART pacing, the modem's
// delays and the proxy's latency are all wall-clock).
import mqtt from 'mqtt';
import type { BenchOptions } from './options.ts';
import { pct, ratio, sleep, type Section, type Table } from './report.ts';
import { Mosquitto } from '../tests/helpers/mosquitto.ts';
import { delayProxy } from './delay-proxy.ts';
import { startDevice, modemConfig, type BenchDevice } from './device.ts';
import { benchKinds } from './kinds.ts';
import type { ModemKind } from '../sim/modem/index.ts';

const LINE_RATE = 11520;
const TOPIC = 'bench/goodput'; // the device publishes TOPIC/<n>; 15 bytes with the suffix

export interface Case { qos: 0 | 1; size: number }
type Mode = 'atmqtt' | 'tinygsm';

interface Result {
  goodput: number; // payload B/s delivered
  msgs: number;
  cmdsPerMsg: number;
  pktsPerSend: number;
  upPerMsg: number;
}

let seq = 0;

async function measure(dev: BenchDevice, peer: mqtt.MqttClient, c: Case, mode: Mode, warmMs: number, windowMs: number): Promise<Result> {
  const topic = `${TOPIC}/${String(seq++ % 100).padStart(2, '0')}`;
  const arrivals: number[] = [];
  const onMsg = (t: string, p: Buffer): void => { if (t === topic) arrivals.push(performance.now(), p.length); };
  peer.on('message', onMsg);
  await peer.subscribeAsync(topic, { qos: c.qos });
  const payload = Buffer.alloc(c.size, 0x62);
  const t0 = performance.now();
  const tEnd = t0 + warmMs + windowMs;
  let c0 = { ...dev.counts };
  let cAt = -1;
  const snap = (): void => { if (cAt < 0 && performance.now() >= t0 + warmMs) { c0 = { ...dev.counts }; cAt = performance.now(); } };
  const h = dev.host;
  let published = 0;
  const from = dev.events.length;
  const acked = (): number => { let n = 0; for (let i = from; i < dev.events.length; i++) if (dev.events[i]!.e.event === 'published') n++; return n; };
  while (performance.now() < tEnd) {
    snap();
    if (mode === 'atmqtt') {
      // as fast as it may: publish until the outbox refuses (outbox-full),
      // then again as soon as a record left it
      while (h.publish(topic, payload, c.qos, false) >= 0) published++;
      const full = h.pending();
      await dev.until(() => h.pending() < full || performance.now() >= tEnd, windowMs + warmMs + 5000, 'room in the outbox').catch(() => {});
    } else {
      const sr = dev.counts.sendResults;
      if (h.publish(topic, payload, c.qos, false) < 0) { await sleep(5); continue; }
      published++;
      // PubSubClient's publish() returns once TinyGSM's write saw SEND OK /
      // DATA ACCEPT; QoS 1 also waits for the PUBACK
      const want = published;
      await dev.until(() => (c.qos === 0 ? dev.counts.sendResults > sr && h.pending() === 0 : acked() >= want), 30_000, 'send result').catch(() => {});
    }
  }
  const c1 = { ...dev.counts };
  // drain: everything queued goes out before the next case
  await dev.until(() => h.pending() === 0, 30_000, 'drain').catch(() => {});
  await sleep(200);
  peer.removeListener('message', onMsg);
  await peer.unsubscribeAsync(topic);
  let bytes = 0, msgs = 0;
  const w0 = t0 + warmMs, w1 = tEnd;
  for (let i = 0; i < arrivals.length; i += 2) if (arrivals[i]! >= w0 && arrivals[i]! < w1) { bytes += arrivals[i + 1]!; msgs++; }
  const cmds = c1.commands - c0.commands, sends = c1.cipsend - c0.cipsend;
  return {
    goodput: bytes / (windowMs / 1000),
    msgs,
    cmdsPerMsg: msgs > 0 ? cmds / msgs : NaN,
    pktsPerSend: sends > 0 ? msgs / sends : NaN,
    upPerMsg: msgs > 0 ? (c1.up - c0.up) / msgs : NaN,
  };
}

export interface GoodputRow { kind: ModemKind; rttMs: number; c: Case; ours: Result; tiny: Result }

/** One device per (kind, RTT), every case on its connection, both ways. */
export async function goodputRuns(broker: Mosquitto, kinds: ModemKind[], rtts: number[], cases: Case[], warmMs: number, windowMs: number): Promise<GoodputRow[]> {
  const rows: GoodputRow[] = [];
  const peer = await mqtt.connectAsync(broker.url, { clientId: `bench-peer-${process.pid}` });
  try {
    for (const rtt of rtts) {
      const proxy = await delayProxy({ host: '127.0.0.1', port: broker.port }, rtt);
      for (const kind of kinds) {
        const dev = startDevice(kind, modemConfig(kind, proxy.url, { keepalive: 60 }));
        try {
          await dev.waitFor((e) => e.event === 'connected', 60_000);
          for (const c of cases) {
            const ours = await measure(dev, peer, c, 'atmqtt', warmMs, windowMs);
            const tiny = await measure(dev, peer, c, 'tinygsm', warmMs, windowMs);
            rows.push({ kind, rttMs: rtt, c, ours, tiny });
          }
        } finally {
          dev.stop();
        }
      }
      await proxy.close();
    }
  } finally {
    await peer.endAsync();
  }
  return rows;
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

function table(title: string, rows: GoodputRow[], notes: string[]): Table {
  return {
    title,
    columns: ['modem', 'RTT', 'QoS', 'payload', 'atmqtt goodput', 'TinyGSM-style', 'atmqtt / TinyGSM', 'msgs (atmqtt / T.)', 'AT cmds a msg (atmqtt / T.)', 'packets a CIPSEND (atmqtt / T.)', 'UART bytes up a msg'],
    rows: rows.map((r) => [r.kind, `${r.rttMs} ms`, r.c.qos, `${r.c.size} B`, pct(r.ours.goodput / LINE_RATE), pct(r.tiny.goodput / LINE_RATE),
      ratio(r.ours.goodput, r.tiny.goodput), `${r.ours.msgs} / ${r.tiny.msgs}`, `${f1(r.ours.cmdsPerMsg)} / ${f1(r.tiny.cmdsPerMsg)}`,
      `${f1(r.ours.pktsPerSend)} / ${f1(r.tiny.pktsPerSend)}`, f1(r.ours.upPerMsg)]),
    notes,
  };
}

export async function goodput(o: BenchOptions): Promise<Section> {
  const broker = await Mosquitto.start();
  const warm = o.quick ? 500 : 1000;
  const win = o.quick ? 1500 : 4000;
  try {
    const all = benchKinds();
    const kinds = o.quick ? all.filter((k) => k !== 'sim900') : all;
    const cases0: Case[] = o.quick
      ? [{ qos: 0, size: 256 }, { qos: 1, size: 256 }, { qos: 1, size: 32 }]
      : [{ qos: 0, size: 32 }, { qos: 0, size: 256 }, { qos: 1, size: 32 }, { qos: 1, size: 256 }];
    const local = await goodputRuns(broker, kinds, [0], cases0, warm, win);
    const rtts = o.quick ? [300] : [100, 300, 800];
    const rttKinds = o.quick ? ['sim800' as ModemKind] : kinds.filter((k) => k !== 'sim900');
    const rttCases: Case[] = o.quick ? [{ qos: 1, size: 256 }] : [{ qos: 0, size: 256 }, { qos: 1, size: 32 }, { qos: 1, size: 256 }];
    const lat = await goodputRuns(broker, rttKinds, rtts, rttCases, warm, o.quick ? 2500 : 6000);
    const common = [
      `Goodput = payload bytes the subscriber received in a ${win / 1000} s window (after ${warm / 1000} s of warm-up) ÷ 11,520 B/s, 115200 baud at 10 bits a byte. Real (wall-clock) time: the emulated UART is paced at the baud rate, the modem's own delays and the proxy's latency are real timers.`,
      'atmqtt: the app publishes until the outbox refuses (outbox-full: 24 records / 4096 B), again as soon as one left; the firmware batches what its link TX queue holds (LINK_TX_BYTES) into one CIPSEND (≤ 1460 B SIM, ≤ 2048 B ESP) and keeps up to MAX_INFLIGHT QoS 1 in flight. TinyGSM-style: the same firmware, the app publishing the next message only once the module answered the last CIPSEND (SEND OK / DATA ACCEPT), and for QoS 1 once its PUBACK came (stop and wait, window 1). No firmware knob was needed for it.',
      'AT cmds a msg: every line starting with AT the device wrote (CIPSEND, CIPRXGET reads and polls, keep-alive free) ÷ messages delivered. packets a CIPSEND: messages ÷ CIPSEND commands.',
    ];
    return {
      name: 'goodput',
      tables: [
        table('2a. UART goodput at 115200 baud, broker on loopback (share of 11,520 B/s)', local, [...common,
          ...(o.quick ? ['--quick: sim900 left out (the same driver and emulator family as sim800), QoS 0 32 B left out.'] : [])]),
        table('2b. The same with GPRS-like latency (a delay proxy between the modem emulator\'s TCP side and Mosquitto)', lat, [
          `RTT is added by bench/delay-proxy.ts (each chunk held RTT/2 each way, order kept); window ${(o.quick ? 2500 : 6000) / 1000} s.`,
          ...(o.quick ? ['--quick: RTT 300 ms only, sim800 QoS 1 256 B only; the full run has 100 / 300 / 800 ms, sim800 and esp-at, QoS 0 256 B and QoS 1 32 / 256 B.'] : [])]),
      ],
    };
  } finally {
    await broker.stop();
  }
}
