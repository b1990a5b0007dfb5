// The native host (board/core + board/posix, wasm3 0.5.0 from the PyPI
// pywasm3 sdist) running build/atmqtt.img against the embedded aedes broker,
// with an mqtt.js peer: connect, sub/pub round trip, QoS 1 and 2 both ways
// with exact counts, a corrupt image refused, a trap restarted with backoff,
// and the 16 KiB memory limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import { startBroker, type EmbeddedBroker } from '../../sim/broker.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE = path.join(ROOT, 'build/atmqtt-native');
const IMAGE = path.join(ROOT, 'build/atmqtt.img');
const N = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Ev = Record<string, unknown> & { event: string };

/** build/atmqtt-native as a child process speaking the sim line protocol. */
class Native {
  readonly proc: ChildProcess;
  readonly events: Ev[] = [];
  stderr = '';
  exitCode: number | null = null;
  private readonly exited: Promise<number | null>;
  private rest = '';
  private wake: (() => void)[] = [];

  constructor(args: string[]) {
    this.proc = spawn(NATIVE, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (d: string) => {
      this.rest += d;
      let i: number;
      while ((i = this.rest.indexOf('\n')) >= 0) {
        const line = this.rest.slice(0, i);
        this.rest = this.rest.slice(i + 1);
        if (line.trim() !== '') this.events.push(JSON.parse(line) as Ev);
      }
      this.notify();
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (d: string) => { this.stderr += d; this.notify(); });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code) => { this.exitCode = code; this.notify(); resolve(code); });
    });
    this.proc.stdin!.on('error', () => { /* the process may have gone */ });
    live.add(this);
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  describe(): string {
    return `events:\n${this.events.map((e) => JSON.stringify(e)).join('\n')}\nstderr:\n${this.stderr}`;
  }

  filter(pred: (e: Ev) => boolean): Ev[] {
    return this.events.filter(pred);
  }

  /** Resolves once cond() holds; fails after ms. */
  async until(cond: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${this.describe()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.wake.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  async waitCount(pred: (e: Ev) => boolean, n: number, ms: number, what: string): Promise<Ev[]> {
    await this.until(() => this.filter(pred).length >= n, ms, `${n} × ${what}`);
    return this.filter(pred);
  }

  send(line: string): void {
    this.proc.stdin!.write(line + '\n');
  }

  /** Closes stdin (or sends quit) and waits for the exit, bounded. */
  async quit(ms = 5000): Promise<number | null> {
    if (this.exitCode === null) this.send('quit');
    return this.waitExit(ms);
  }

  async waitExit(ms: number): Promise<number | null> {
    const timer = sleep(ms).then(() => 'timeout' as const);
    const r = await Promise.race([this.exited, timer]);
    if (r === 'timeout') throw new Error(`no exit within ${ms} ms\n${this.describe()}`);
    live.delete(this);
    return r;
  }

  kill(): void {
    if (this.exitCode === null) this.proc.kill('SIGKILL');
    live.delete(this);
  }
}

const live = new Set<Native>();

const is = {
  connected: (e: Ev) => e.event === 'connected',
  disconnected: (e: Ev) => e.event === 'disconnected',
  error: (e: Ev) => e.event === 'error',
  subscribed: (f: string) => (e: Ev) => e.event === 'subscribed' && e.filter === f,
  published: (t: string) => (e: Ev) => e.event === 'published' && e.topic === t,
  message: (t?: string) => (e: Ev) => e.event === 'message' && (t === undefined || e.topic === t),
};

interface PeerMsg { topic: string; text: string; qos: number }

async function peerConnect(url: string): Promise<{ client: MqttClient; got: PeerMsg[] }> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, clientId: `peer-${process.pid}-${Date.now()}` });
  const got: PeerMsg[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, text: payload.toString('utf8'), qos: packet.qos }));
  client.on('error', () => { /* surfaces through the waits */ });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('peer: no CONNACK in 5 s')), 5000);
    client.once('connect', () => { clearTimeout(t); resolve(); });
  });
  peers.add(client);
  return { client, got };
}

const peers = new Set<MqttClient>();

function payloads(prefix: string): string[] {
  return Array.from({ length: N }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
}

function image(module: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.write('AMQW', 0, 'latin1');
  h.writeUInt32LE(module.length, 4);
  h.writeUInt32LE(zlib.crc32(module) >>> 0, 8);
  h.writeUInt32LE(1, 12);
  return Buffer.concat([h, module]);
}

let broker: EmbeddedBroker;
let tmp: string;
let seq = 0;
const uid = (p: string): string => `${p}-${process.pid}-${++seq}`;

before(() => {
  if (!existsSync(path.join(ROOT, 'build/atmqtt.wasm'))) execFileSync('npm', ['run', 'build:fw'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('bash', [path.join(ROOT, 'board/posix/build.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  tmp = mkdtempSync(path.join(tmpdir(), 'atmqtt-native-'));
}, { timeout: 320_000 });

before(async () => {
  broker = await startBroker(0, 0);
});

after(async () => {
  for (const n of [...live]) n.kill();
  for (const c of [...peers]) c.end(true);
  await broker?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('native host (wasm3 0.5.0, C core, POSIX HAL)', () => {
  test('the image header: magic, length, CRC-32 (zlib) and version 1', () => {
    const img = readFileSync(IMAGE);
    const module = readFileSync(path.join(ROOT, 'build/atmqtt.wasm'));
    assert.equal(img.subarray(0, 4).toString('latin1'), 'AMQW');
    assert.equal(img.readUInt32LE(4), module.length);
    assert.equal(img.readUInt32LE(8), zlib.crc32(module) >>> 0);
    assert.equal(img.readUInt32LE(12), 1);
    assert.deepEqual(img.subarray(16), module);
  });

  test('connects; sub t/# 1 then pub t/a 1 0 hello: subscribed, published, message', async () => {
    const base = uid('t');
    const dev = new Native(['--broker', broker.url]);
    try {
      await dev.waitCount(is.connected, 1, 5000, 'connected');
      assert.deepEqual(dev.events[0], { event: 'connected', sessionPresent: false });
      dev.send(`sub ${base}/# 1`);
      const [sub] = await dev.waitCount(is.subscribed(`${base}/#`), 1, 5000, 'subscribed');
      assert.equal(sub.granted, 1);
      dev.send(`pub ${base}/a 1 0 hello`);
      const [pub] = await dev.waitCount(is.published(`${base}/a`), 1, 5000, 'published');
      assert.equal(pub.qos, 1);
      const [msg] = await dev.waitCount(is.message(`${base}/a`), 1, 5000, 'message');
      assert.deepEqual(msg, { event: 'message', topic: `${base}/a`, qos: 1, retain: false, dup: false, payload: 'hello' });
      assert.equal(dev.filter(is.error).length, 0, dev.describe());
      assert.equal(await dev.quit(), 0, dev.describe());
      assert.deepEqual(dev.events.at(-1), { event: 'disconnected', reason: 'requested' });
    } finally {
      dev.kill();
    }
  });

  test(`device → peer: ${N} messages at QoS 1 and at QoS 2, exactly once each`, async () => {
    const base = uid('up');
    const peer = await peerConnect(broker.url);
    await peer.client.subscribeAsync(`${base}/#`, { qos: 2 });
    const dev = new Native(['--broker', broker.url]);
    try {
      await dev.waitCount(is.connected, 1, 5000, 'connected');
      let k = 0;
      for (const qos of [1, 2]) {
        for (const p of payloads(`q${qos}`)) {
          dev.send(`pub ${base}/${qos} ${qos} 0 ${p}`);
          await dev.waitCount((e) => e.event === 'published', ++k, 5000, 'published');
        }
      }
      await dev.until(() => peer.got.length >= 2 * N, 5000, `${2 * N} messages at the peer`);
      await sleep(300); // a duplicate would show up here
      for (const qos of [1, 2]) {
        const topic = `${base}/${qos}`;
        assert.deepEqual(peer.got.filter((m) => m.topic === topic).map((m) => m.text), payloads(`q${qos}`), `${topic} once each, in order`);
        assert.ok(peer.got.filter((m) => m.topic === topic).every((m) => m.qos === qos), `${topic} at qos ${qos}`);
        assert.equal(dev.filter(is.published(topic)).length, N);
        assert.ok(dev.filter(is.published(topic)).every((e) => e.qos === qos));
      }
      assert.equal(peer.got.length, 2 * N, 'nothing else');
      assert.equal(dev.filter(is.error).length, 0, dev.describe());
      assert.equal(dev.filter(is.disconnected).length, 0, dev.describe());
      assert.equal(await dev.quit(), 0, dev.describe());
    } finally {
      dev.kill();
      peer.client.end(true);
      peers.delete(peer.client);
    }
  });

  test(`peer → device: ${N} messages at QoS 1 and at QoS 2, exactly once each`, async () => {
    const base = uid('down');
    const peer = await peerConnect(broker.url);
    const dev = new Native(['--broker', broker.url]);
    try {
      await dev.waitCount(is.connected, 1, 5000, 'connected');
      dev.send(`sub ${base}/# 2`);
      const [sub] = await dev.waitCount(is.subscribed(`${base}/#`), 1, 5000, 'subscribed');
      assert.equal(sub.granted, 2);
      for (const qos of [1, 2] as const) {
        for (const p of payloads(`q${qos}`)) await peer.client.publishAsync(`${base}/${qos}`, p, { qos });
      }
      await dev.waitCount(is.message(), 2 * N, 10000, 'messages');
      await sleep(300);
      for (const qos of [1, 2]) {
        const got = dev.filter(is.message(`${base}/${qos}`));
        assert.deepEqual(got.map((m) => m.payload), payloads(`q${qos}`), `${base}/${qos} once each, in order`);
        assert.ok(got.every((m) => m.qos === qos && m.retain === false && m.dup === false), 'flags');
      }
      assert.equal(dev.filter(is.message()).length, 2 * N, 'no other messages');
      assert.equal(dev.filter(is.error).length, 0, dev.describe());
      assert.equal(await dev.quit(), 0, dev.describe());
    } finally {
      dev.kill();
      peer.client.end(true);
      peers.delete(peer.client);
    }
  });

  test('a corrupt image (one byte of the module flipped) is refused with one clear log line', async () => {
    const img = readFileSync(IMAGE);
    img[16 + Math.floor((img.length - 16) / 2)] ^= 0x01;
    const bad = path.join(tmp, 'corrupt.img');
    writeFileSync(bad, img);
    let connects = 0;
    const onClient = () => { connects++; };
    broker.aedes.on('client', onClient);
    const dev = new Native(['--broker', broker.url, '--image', bad]);
    try {
      const code = await dev.waitExit(5000);
      assert.notEqual(code, 0, dev.describe());
      assert.match(dev.stderr, /image: CRC mismatch \(expected 0x[0-9a-f]{8}, got 0x[0-9a-f]{8}\), not loading/);
      assert.equal(dev.stderr.trim().split('\n').length, 1, `one log line\n${dev.stderr}`);
      assert.equal(dev.filter(is.connected).length, 0);
      await sleep(100);
      assert.equal(connects, 0, 'no client reached the broker');
    } finally {
      broker.aedes.off('client', onClient);
      dev.kill();
    }
  });

  test('a trap is logged with its message and the module restarts with backoff 1 s, 2 s, ...', async () => {
    // a module with the exports of board/ABI.md whose loop() traps
    const wat = path.join(tmp, 'trap.wat');
    const wasm = path.join(tmp, 'trap.wasm');
    writeFileSync(wat, `(module
      (memory (export "memory") 1)
      (func (export "setup") (result i32) i32.const 0)
      (func (export "loop") (result i32) unreachable)
      (func (export "api_buffer") (result i32) i32.const 0)
      (func (export "api_buffer_size") (result i32) i32.const 0)
      (func (export "publish") (param i32 i32 i32 i32) (result i32) i32.const 0)
      (func (export "subscribe") (param i32) (result i32) i32.const 0)
      (func (export "unsubscribe") (param i32) (result i32) i32.const 0)
      (func (export "connect"))
      (func (export "disconnect"))
      (func (export "state") (result i32) i32.const 0)
      (func (export "pending") (result i32) i32.const 0)
      (func (export "counter") (param i32) (result i32) i32.const 0))`);
    execFileSync('wat2wasm', [wat, '-o', wasm]);
    const img = path.join(tmp, 'trap.img');
    writeFileSync(img, image(readFileSync(wasm)));
    const dev = new Native(['--broker', broker.url, '--image', img]);
    try {
      await dev.until(() => /restarting the module in 2000 ms/.test(dev.stderr), 4000, 'the second restart');
      assert.equal(dev.exitCode, null, 'still running');
      const lines = dev.stderr.trim().split('\n');
      assert.match(lines[0], /trap in loop: \[trap\] unreachable executed/);
      assert.match(lines[1], /restarting the module in 1000 ms/);
      assert.match(lines[2], /trap in loop: \[trap\] unreachable executed/);
      assert.match(lines[3], /restarting the module in 2000 ms/);
      assert.equal(await dev.quit(), 0, dev.describe());
    } finally {
      dev.kill();
    }
  });

  test('memory limit 16384: the run fits; 4096 is refused at load (data segment out of bounds)', async () => {
    const base = uid('mem');
    const dev = new Native(['--broker', broker.url, '--memory-limit', '16384', '--stats']);
    try {
      await dev.waitCount(is.connected, 1, 5000, 'connected');
      dev.send(`sub ${base}/# 2`);
      await dev.waitCount(is.subscribed(`${base}/#`), 1, 5000, 'subscribed');
      dev.send(`pub ${base}/x 2 0 ${'x'.repeat(500)}`);
      await dev.waitCount(is.message(`${base}/x`), 1, 5000, 'message');
      assert.equal(await dev.quit(), 0, dev.describe());
      const m = /stats: linear memory (\d+) bytes allocated \(limit (\d+)\), high-water (\d+) bytes/.exec(dev.stderr);
      assert.ok(m, dev.stderr);
      assert.equal(Number(m[1]), 16384);
      assert.equal(Number(m[2]), 16384);
      assert.ok(Number(m[3]) > 0 && Number(m[3]) <= 16384);
      process.stderr.write(`# native: ${m[0]}\n`);
    } finally {
      dev.kill();
    }
    const small = new Native(['--broker', broker.url, '--memory-limit', '4096']);
    try {
      assert.notEqual(await small.waitExit(5000), 0);
      assert.match(small.stderr, /wasm3: load: data segment out of bounds/);
      assert.equal(small.filter(is.connected).length, 0);
    } finally {
      small.kill();
    }
  });

  test('board I/O through the firmware (io_* exports of the probe build): pin events, set pin/adc/i2c, the modem pins refused', async () => {
    const probe = path.join(ROOT, 'build/atmqtt-probe.wasm');
    const img = path.join(tmp, 'probe.img');
    writeFileSync(img, image(readFileSync(probe)));
    const dev = new Native(['--broker', broker.url, '--image', img]);
    const result = (call: string) => (e: Ev) => e.event === 'result' && e.call === call;
    const ask = async (line: string, call: string): Promise<unknown> => {
      const n = dev.filter(result(call)).length;
      dev.send(line);
      const all = await dev.waitCount(result(call), n + 1, 5000, `${line} result`);
      return all[n].value;
    };
    try {
      await dev.waitCount(is.connected, 1, 5000, 'connected');
      assert.equal(await ask('call io_pin_mode 13 1', 'io_pin_mode'), 0);
      assert.equal(await ask('call io_pin_write 13 1', 'io_pin_write'), 0);
      assert.equal(await ask('call io_pin_write 13 1', 'io_pin_write'), 0);
      assert.equal(await ask('call io_pin_write 13 0', 'io_pin_write'), 0);
      assert.deepEqual(dev.filter((e) => e.event === 'pin'), [{ event: 'pin', pin: 13, value: 1 }, { event: 'pin', pin: 13, value: 0 }]);
      assert.equal(await ask('call io_pin_read 2', 'io_pin_read'), 0);
      dev.send('set pin 2 1');
      assert.equal(await ask('call io_pin_read 2', 'io_pin_read'), 1);
      dev.send('set adc 0 512');
      assert.equal(await ask('call io_adc_read 0', 'io_adc_read'), 512);
      assert.equal(await ask('call io_adc_read 99', 'io_adc_read'), -31, 'no-such-pin');
      assert.equal(await ask('call io_pin_write 4 0', 'io_pin_write'), -30, 'pin-reserved: PWRKEY');
      assert.equal(await ask('call io_pin_mode 5 1', 'io_pin_mode'), -30, 'pin-reserved: RESET');
      dev.send('set i2c 0x48 19400000a0');
      assert.equal(await ask('call io_i2c_read_reg 72 3 2', 'io_i2c_read_reg'), 2);
      const buf = Number(await ask('call io_buf', 'io_buf'));
      assert.ok(buf > 0);
      assert.equal(await ask('call io_i2c_read_reg 73 0 2', 'io_i2c_read_reg'), -32, 'i2c-nack');
      assert.equal(dev.filter(is.error).length, 0, dev.describe());
      dev.send('set pin 4 1');
      dev.send('call no_such_export');
      const errs = await dev.waitCount(is.error, 2, 5000, 'two refusals');
      assert.match(String(errs[0].message), /modem/);
      assert.match(String(errs[1].message), /no such export/);
      assert.equal(dev.filter((e) => e.event === 'pin').length, 2, 'nothing more was driven');
      assert.equal(await dev.quit(10_000), 0, dev.describe());
    } finally {
      dev.kill();
    }
  });
});

describe('native host through an emulated modem (atmqtt modem over TCP)', () => {
  for (const kind of ['sim800', 'esp-at'] as const) {
    test(`${kind}: brought up over the UART, then sub/pub round trip and a QoS 2 message from a peer`, { timeout: 60_000 }, async () => {
      const server = spawn(process.execPath, [path.join(ROOT, 'bin/atmqtt.js'), 'modem', '--modem', kind, '--listen', '0'], {
        cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'],
      });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('atmqtt modem did not listen')), 10_000);
          let buf = '';
          server.stdout!.setEncoding('utf8');
          server.stdout!.on('data', (d: string) => {
            buf += d;
            const m = /"event":"listening","port":(\d+)/.exec(buf);
            if (m) { clearTimeout(t); resolve(Number(m[1])); }
          });
        });
        const link = kind === 'esp-at' ? ['--ssid', 'atmqtt-wifi', '--wifi-password', 'atmqtt-pass'] : ['--apn', 'internet'];
        const dev = new Native(['--broker', broker.url, '--link', kind, '--uart', `127.0.0.1:${port}`, ...link]);
        const { client, got } = await peerConnect(broker.url);
        const base = uid(`uart-${kind}`);
        try {
          await dev.waitCount(is.connected, 1, 30_000, 'connected through the modem');
          dev.send(`sub ${base}/down 2`);
          await dev.waitCount(is.subscribed(`${base}/down`), 1, 10_000, 'subscribed');
          await new Promise<void>((r, j) => client.subscribe(`${base}/up`, { qos: 1 }, (e) => (e ? j(e) : r())));
          dev.send(`pub ${base}/up 1 0 from-native`);
          await dev.waitCount(is.published(`${base}/up`), 1, 10_000, 'published');
          await new Promise<void>((r, j) => client.publish(`${base}/down`, 'to-native', { qos: 2 }, (e) => (e ? j(e) : r())));
          const [msg] = await dev.waitCount(is.message(`${base}/down`), 1, 10_000, 'message');
          assert.equal(msg.payload, 'to-native');
          assert.equal(msg.qos, 2);
          for (let i = 0; i < 50 && !got.some((m) => m.text === 'from-native'); i++) await sleep(100);
          assert.deepEqual(got.filter((m) => m.topic === `${base}/up`).map((m) => m.text), ['from-native']);
          assert.equal(await dev.quit(10_000), 0, dev.describe());
        } finally {
          dev.kill();
          client.end(true);
          peers.delete(client);
        }
      } finally {
        server.kill();
      }
    });
  }
});
