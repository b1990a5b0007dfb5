// Section 4, power-on to the first CONNACK through each emulated modem at
// 115200 baud, plain (mqtt://) and TLS (mqtts://, the module's own TLS,
// verifying the broker against the CA loaded into it), to a real
// Mosquitto; with the AT commands the device wrote on the way (each one a
// round trip: strictly one command in flight). Real time: the emulator's
// delays are modelled on the manuals (SIM: RDY 0.4 s, registration 1 s,
// CIICR 0.5 s; ESP: ready 0.4 s, CWJAP 1.5 s) and dominate.
import type { BenchOptions } from './options.ts';
import type { Section, Table } from './report.ts';
import { Mosquitto } from '../tests/helpers/mosquitto.ts';
import { tlsCerts } from '../tests/helpers/tls-certs.ts';
import { startDevice, modemConfig } from './device.ts';
import { benchKinds } from './kinds.ts';

export async function connack(o: BenchOptions): Promise<Section> {
  const certs = tlsCerts();
  const broker = await Mosquitto.start({ tls: {} });
  const rows: Table['rows'] = [];
  try {
    const kinds = benchKinds().filter((k) => !o.quick || k !== 'sim900');
    for (const kind of kinds) {
      for (const secure of [false, true]) {
        if (secure && kind === 'sim900') { rows.push([kind, 'TLS', null, null, null, 'no TLS in SIM900 firmware: a configuration error, never plaintext']); continue; }
        const url = secure ? broker.tlsUrl('127.0.0.1') : broker.url;
        const t0 = performance.now();
        const dev = startDevice(kind, modemConfig(kind, url), { ca: certs.ca.certPem }, certs.ca.certPem);
        try {
          const at = await dev.waitFor((e) => e.event === 'connected', 60_000);
          rows.push([kind, secure ? 'TLS' : 'plain', Math.round(at - t0), dev.counts.commands, dev.counts.up + dev.counts.down, '']);
        } catch (e) {
          rows.push([kind, secure ? 'TLS' : 'plain', null, dev.counts.commands, null, `no CONNACK: ${(e as Error).message}`]);
        } finally {
          dev.stop();
        }
      }
    }
  } finally {
    await broker.stop();
  }
  return {
    name: 'connack',
    tables: [{
      title: '4. Power-on to first CONNACK at 115200 baud (real time)',
      columns: ['modem', 'link', 'ms', 'AT round trips', 'UART bytes both ways', 'note'],
      rows,
      notes: [
        'From the emulated module\'s power-on (its boot noise and RDY / ready) to the `connected` event, wall-clock. AT round trips: command lines the device wrote, retries included (AT+CREG? repeats until registered, the first AT until the module answers). Mosquitto on loopback: the emulator\'s modelled delays dominate; a real network adds its own.',
        ...(o.quick ? ['--quick: sim900 left out (sim800\'s bring-up without TLS).'] : []),
      ],
    }],
  };
}
