// What it costs to get online through each modem at 115200 baud: the AT
// round trips the firmware makes from power-on to CONNACK and the time it
// takes, read from the --trace log. Printed as '# ' lines for the report;
// only the connection itself is asserted (the figures depend on the
// emulator's boot timing, sim/modem/base.ts DEFAULT_TIMING). The modems
// run one after the other so the times are not skewed by each other.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { BRING_UP_MS, MODEMS, modemArgs, parseBringUp, poll } from '../helpers/modem-e2e.ts';

describe('bring-up cost: power-on to CONNACK (mosquitto, 115200 baud)', () => {
  for (const kind of MODEMS) {
    test(`${kind}: connects; AT round trips and time printed`, { timeout: 60000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const sim = s.sim(modemArgs(kind, broker.url, ['--trace']));
      const c = await sim.waitFor(is.connected(false), BRING_UP_MS, 0, 'CONNACK');
      assert.equal(sim.count(is.error()), 0, sim.describe());
      // the log line may trail the event on stderr by a moment
      await poll(() => sim.stderr.includes('mqtt: connected'), 2000, 'the CONNACK log line on stderr');
      const b = parseBringUp(sim.stderr);
      console.log(`# ${kind.padEnd(6)} AT round trips to CONNACK: ${b.atCommands} commands (${b.timeouts} unanswered while the module booted), ` +
        `${b.uartWrites} UART writes incl. CIPSEND data`);
      console.log(`# ${kind.padEnd(6)} power-on to CONNACK: ${b.connackMs} ms (firmware clock; CONNACK bytes at ${b.modemConnackMs ?? '?'} ms on the modem trace clock); ` +
        `process start to connected event: ${c.at - sim.startedAt} ms`);
      console.log(`# ${kind.padEnd(6)} commands: ${b.atList.join(' ')}`);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });
  }
});
