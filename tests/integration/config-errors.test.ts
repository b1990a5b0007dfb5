// Every configuration error is one clear message at start-up, through the
// sim CLI: the firmware names what is wrong in one `config:` line, setup
// refuses (bad-config, exit 2), and nothing is tried on the network. The
// URL's form is the CLI's to check: it names the flag and exits 2 too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';

const long = (n: number): string => 'x'.repeat(n);

const FIRMWARE_CASES: { name: string; args: string[]; says: RegExp; secret?: string }[] = [
  { name: 'TLS on a modem without it (SIM900)', args: ['--broker', 'mqtts://127.0.0.1:9', '--modem', 'sim900'], says: /config: bad tls: sim900/ },
  { name: 'a client id longer than its buffer', args: ['--broker', 'mqtt://127.0.0.1:9', '--client-id', long(200)], says: /config: bad client id/ },
  { name: 'a password longer than its buffer', args: ['--broker', 'mqtt://127.0.0.1:9', '--username', 'u', '--password', 'SECRET' + long(200)], says: /config: bad user\/password/, secret: 'SECRET' },
  { name: 'a will topic longer than its buffer', args: ['--broker', 'mqtt://127.0.0.1:9', '--will-topic', long(200)], says: /config: bad will/ },
  { name: 'an APN longer than its buffer', args: ['--broker', 'mqtt://127.0.0.1:9', '--modem', 'sim800', '--apn', long(200)], says: /config: bad apn\/wifi/ },
  { name: 'no APN for a GPRS modem (SIM800)', args: ['--broker', 'mqtt://127.0.0.1:9', '--modem', 'sim800', '--apn', ''], says: /config: bad apn: missing/ },
  { name: 'an APN the module cannot quote', args: ['--broker', 'mqtt://127.0.0.1:9', '--modem', 'sim800', '--apn', 'in"ternet'], says: /config: bad apn: " or control byte/ },
];

for (const c of FIRMWARE_CASES) {
  test(`${c.name}: one config line, bad-config, exit 2, no connection tried`, { timeout: 20000 }, async (t) => {
    const s = new Scope(t);
    const sim = s.sim(c.args);
    assert.equal(await sim.exit(15000), 2, sim.describe());
    assert.equal(sim.count(is.error('bad-config')), 1, sim.describe());
    assert.equal(sim.count(is.error()), 1, `no other error\n${sim.describe()}`);
    assert.match(sim.stderr, c.says);
    assert.equal((sim.stderr.match(/config: /g) ?? []).length, 1, `one config line\n${sim.stderr}`);
    assert.equal(sim.stderr.trim().split('\n').length, 1, `nothing else logged\n${sim.stderr}`);
    if (c.secret) assert.ok(!sim.stderr.includes(c.secret), 'the secret is not logged');
  });
}

for (const url of ['foo://127.0.0.1:9', 'mqtt//127.0.0.1', 'mqtt://127.0.0.1:9/extra']) {
  test(`broker URL ${url}: named by the CLI, exit 2`, { timeout: 20000 }, async (t) => {
    const s = new Scope(t);
    const sim = s.sim(['--broker', url]);
    assert.equal(await sim.exit(15000), 2, sim.describe());
    assert.equal(sim.count(is.error('bad-argument')), 1, sim.describe());
    assert.equal(sim.count(is.error()), 1, sim.describe());
  });
}
