// The atmqtt command's manners: each command's --help prints its own usage
// and exits 0, an unknown flag or command names itself and exits 2, and
// `atmqtt broker` serves MQTT over TCP and WebSocket to a real client,
// moving to a free port when the one asked for is taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import mqtt from 'mqtt';
import { CLI } from '../helpers/sim.ts';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help for every command: its own usage on stdout, exit 0', () => {
  const cases: [string[], RegExp][] = [
    [['--help'], /^usage: atmqtt COMMAND/],
    [['help'], /^usage: atmqtt COMMAND/],
    [['sim', '--help'], /^usage: atmqtt sim /],
    [['modem', '--help'], /^usage: atmqtt modem /],
    [['broker', '--help'], /^usage: atmqtt broker /],
  ];
  for (const [args, want] of cases) {
    const r = run(args);
    assert.equal(r.status, 0, `${args.join(' ')}: exit 0`);
    assert.match(r.stdout, want, `${args.join(' ')} prints its own usage`);
  }
});

test('an unknown flag or command is named, exit 2', () => {
  const cases: [string[], string][] = [
    [['sim', '--bogus'], 'unknown flag --bogus'],
    [['modem', '--modem', 'sim800', '--frob', '1'], 'unknown flag --frob'],
    [['broker', '--wsport', '1'], 'unknown flag --wsport'],
    [['frobnicate'], 'unknown command frobnicate'],
    [['sim', '--board', 'pdp11'], '--board pdp11: want one of'],
    [['sim', '--uart', 'tcp:127.0.0.1:9'], '--uart needs --modem'],
    [['sim', '--modem', 'sim800', '--uart', 'tcp:127.0.0.1:9', '--pwrkey', 'dtr'], 'a tcp: stream carries no pins'],
    [['sim', '--modem', 'sim800', '--pwrkey', 'rts'], '--pwrkey needs --uart'],
    [['sim', '--modem', 'sim800', '--uart', 'tcp:nowhere'], 'want tcp:HOST:PORT'],
    [['modem', '--modem', 'sim800', '--pty', '--raw'], 'no --listen or --raw with it'],
    [['modem', '--modem', 'sim7200'], '--modem sim800|sim900|esp-at|sim7600|sim7000|bg96 is required'],
    [['sim', '--modem', 'quectel'], '--modem quectel: want none or one of'],
  ];
  for (const [args, text] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit 2 (${r.stdout}${r.stderr})`);
    const ev = JSON.parse(r.stdout.split('\n')[0]!) as { event: string; message: string };
    assert.equal(ev.event, 'error');
    assert.ok(ev.message.includes(text), `${ev.message} names ${text}`);
  }
});

test('atmqtt broker: TCP and WebSocket clients meet; a taken port is replaced by a free one', { timeout: 30000 }, async (t) => {
  // hold a port so the broker must move
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const taken = (holder.address() as net.AddressInfo).port;
  t.after(() => holder.close());
  const proc = spawn(process.execPath, [CLI, 'broker', '--port', String(taken), '--ws-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => proc.kill('SIGTERM'));
  const first = await new Promise<string>((resolve) => readline.createInterface({ input: proc.stdout! }).once('line', resolve));
  const ev = JSON.parse(first) as { event: string; url: string; wsUrl: string };
  assert.equal(ev.event, 'broker');
  assert.notEqual(new URL(ev.url).port, String(taken), 'moved off the taken port');
  assert.match(ev.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);

  const tcp = await mqtt.connectAsync(ev.url, { reconnectPeriod: 0 });
  const ws = await mqtt.connectAsync(ev.wsUrl, { reconnectPeriod: 0 });
  t.after(() => { tcp.end(true); ws.end(true); });
  await ws.subscribeAsync('cli/t', { qos: 1 });
  const got = new Promise<string>((resolve) => ws.on('message', (_t, p) => resolve(p.toString())));
  await tcp.publishAsync('cli/t', 'from tcp', { qos: 1 });
  assert.equal(await got, 'from tcp');

  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  proc.kill('SIGINT');
  assert.equal(await exited, 0, 'Ctrl-C stops it cleanly');
});
