// The small profile in the real wasm3 0.5.0 with its memoryLimit at 4,096
// bytes (the native host, board/core + board/posix), not the RAM guard's
// emulation: QoS 0/1/2 both ways run, the linear memory high-water stays
// inside the budget, and a limit below the static data is refused at load.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../sim/broker.ts';
import { PROFILES } from '../../sim/profile.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NATIVE = path.join(ROOT, 'build/atmqtt-native');
const IMAGE = path.join(ROOT, 'build/atmqtt-small.img');
const SMALL = PROFILES.small;
const N = 5;

before(() => {
  const run = (cmd: string, args: string[]): void => { execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 }); };
  if (!existsSync(path.join(ROOT, 'build/atmqtt.wasm'))) run('npm', ['run', 'build:fw']);
  if (!existsSync(SMALL.wasm)) run('npm', ['run', 'build:small']);
  run('bash', ['board/posix/build.sh']);
  run('python3', ['board/posix/mkimage.py', SMALL.wasm, IMAGE]);
});

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the native host on the small image with these stdin lines (paced), to its exit. */
function native(args: string[], lines: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(NATIVE, ['--image', IMAGE, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.stdin.on('error', () => { /* refused at load: already gone */ });
    // a line every 50 ms: a burst past the 8 outbox records would be refused, by design
    let i = 0;
    const timer = setInterval(() => {
      if (i < lines.length) p.stdin.write(lines[i++] + '\n');
      else { clearInterval(timer); p.stdin.end(); }
    }, 50);
    const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => { clearInterval(timer); clearTimeout(kill); resolve({ code, stdout, stderr }); });
  });
}

test('small profile in wasm3 at memoryLimit 4096: QoS 0/1/2 both ways, high-water inside the budget', { timeout: 60_000 }, async () => {
  const broker = await startBroker(0, 0);
  try {
    const lines = ['sub s/# 2'];
    for (const q of [0, 1, 2]) for (let k = 0; k < N; k++) lines.push(`pub s/${q} ${q} 0 m${q}-${k}-${'x'.repeat(100)}`);
    const r = await native(['--broker', broker.url, '--memory-limit', String(SMALL.budget), '--stats'], lines);
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; topic?: string });
    const count = (ev: string): number => events.filter((e) => e.event === ev).length;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(count('published'), 3 * N, r.stdout);
    assert.equal(count('message'), 3 * N, r.stdout);
    assert.equal(count('error'), 0, r.stdout);
    const m = /linear memory (\d+) bytes allocated \(limit (\d+)\), high-water (\d+) bytes/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const [allocated, limit, high] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assert.equal(limit, SMALL.budget);
    assert.ok(allocated <= SMALL.budget && high <= SMALL.budget, r.stderr);
    console.log(`small profile under wasm3: linear memory high-water ${high} of ${SMALL.budget} bytes`);
  } finally {
    await broker.close();
  }
});

test('small profile: a memory limit below its static data is refused at load', { timeout: 30_000 }, async () => {
  const r = await native(['--broker', 'mqtt://127.0.0.1:1', '--memory-limit', '2048'], []);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /data segment out of bounds/);
});
