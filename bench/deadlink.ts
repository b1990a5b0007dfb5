// Section 3, dead-link detection, in virtual time (tests/helpers'
// VirtualClock drives the modem emulator and the firmware's millis()):
// the firmware on an emulated modem, connected to a real Mosquitto; then
// the network goes silent (the modem's `outage`: nothing passes, nothing is
// closed) right after a byte came in, and the time to the firmware's
// `disconnected` event is read off the virtual clock. Also from the
// modem's own word (CLOSED, +PDP: DEACT / WIFI DISCONNECT) to the event.
import type { BenchOptions } from './options.ts';
import type { Section, Table } from './report.ts';
import { Mosquitto } from '../tests/helpers/mosquitto.ts';
import { VirtualClock } from '../tests/helpers/modem-clock.ts';
import { startDevice, modemConfig, stepVirtual } from './device.ts';
import { benchKinds } from './kinds.ts';
import type { ModemKind } from '../sim/modem/index.ts';

interface Outcome { ms: number | null; reason: string }

async function detect(broker: Mosquitto, kind: ModemKind, keepalive: number, fault: string, afterMs: number): Promise<Outcome> {
  const clock = new VirtualClock();
  const dev = startDevice(kind, modemConfig(kind, broker.url, { keepalive }), {}, undefined, clock);
  try {
    const up = await stepVirtual(dev, clock, () => dev.events.some((e) => e.e.event === 'connected'), 120_000);
    if (!up) throw new Error(`${kind}: no CONNACK in 120 s virtual`);
    // let the session settle (SUBACK-free: nothing else is in flight), then
    // wait for the next byte from the broker if asked to (a PINGRESP): the
    // loss then comes just after the last byte received, the worst case
    await stepVirtual(dev, clock, () => false, afterMs);
    // counter 3: MQTT bytes in (a PINGRESP, half a keep alive on)
    const in0 = dev.host.counter(3);
    if (fault === 'outage' && !await stepVirtual(dev, clock, () => dev.host.counter(3) > in0, keepalive * 1000)) throw new Error('no PINGRESP');
    const from = dev.events.length;
    const t0 = clock.t;
    dev.modem.fault(fault);
    const gone = await stepVirtual(dev, clock, () => dev.events.slice(from).some((e) => e.e.event === 'disconnected'), keepalive * 3000 + 60_000);
    if (!gone) return { ms: null, reason: 'none' };
    const ev = dev.events.slice(from).find((e) => e.e.event === 'disconnected')!;
    return { ms: ev.at - t0, reason: (ev.e as { reason: string }).reason };
  } finally {
    dev.stop();
  }
}

export async function deadlink(o: BenchOptions): Promise<Section> {
  const broker = await Mosquitto.start();
  try {
    const kinds = benchKinds().filter((k) => !o.quick || k !== 'sim900');
    const kas = [10, 30, 60];
    const silent: Table['rows'] = [];
    for (const ka of kas) {
      const k = kinds[0]!;
      const r = await detect(broker, k, ka, 'outage', 1000);
      silent.push([`${ka} s`, k, r.ms === null ? null : (r.ms / 1000).toFixed(2), 1.5 * ka, r.ms === null ? '–' : `${(r.ms / 1000 / ka).toFixed(2)} × KA`, r.reason]);
    }
    const word: Table['rows'] = [];
    for (const k of kinds) {
      for (const f of ['drop', 'pdp-deact']) {
        const r = await detect(broker, k, 60, f, 500);
        const urc = f === 'drop' ? (k === 'esp-at' ? '0,CLOSED' : '0, CLOSED') : (k === 'esp-at' ? 'WIFI DISCONNECT' : '+PDP: DEACT');
        word.push([k, urc, r.ms, r.reason]);
      }
    }
    return {
      name: 'deadlink',
      tables: [
        {
          title: '3a. Silent loss to `disconnected` (virtual time)',
          columns: ['keep alive', 'modem', 'detected after (s)', 'article: 1.5 × keep alive (s)', 'as keep alives', 'reason'],
          rows: silent,
          notes: [
            'Virtual time: the modem emulator and millis() run on a VirtualClock stepped 5 ms at a time; the broker (a real Mosquitto) and its TCP are real but nothing crosses them during the loss. The loss (the emulator\'s `outage`: no byte passes either way, nothing is closed) starts right after a byte came in from the broker, the worst case: the firmware counts from the last byte received.',
            'The firmware sends PINGREQ after half a keep alive without receiving and gives the PINGRESP another half: a dead link is declared one keep alive after the last byte received. The article quotes 1.5 × keep alive (the broker\'s side of the spec, [MQTT-3.1.2-24]); PubSubClient\'s loop() (ping after a keep alive of silence, dead after another) takes up to 2 × keep alive.',
          ],
        },
        {
          title: '3b. The modem says the link is gone: its URC to `disconnected` (virtual time, ms)',
          columns: ['modem', 'URC', 'to the event (ms)', 'reason'],
          rows: word,
          notes: ['From the fault injected in the emulator to the event: the URC crossing the 115200-baud UART, the driver seeing it in its next step (reading what the module still holds first), the session closing.'],
        },
      ],
    };
  } finally {
    await broker.stop();
  }
}
