// Section 6, footprint per build profile: the module's size, its static
// data (the stub runtime's heap top before setup(), probed with the probe
// build's __new), the heap top once connected (setup's buffers: it never
// moves after, tests/memory proves it), and the linear-memory high-water
// under the native wasm3 host (board/posix --stats: the last non-zero byte)
// after QoS 0/1/2 both ways. Flash and RAM per board come from the board
// image tests (section 5).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import type { BenchOptions } from './options.ts';
import { ROOT } from './options.ts';
import type { Section, Table } from './report.ts';
import { sleep } from './report.ts';
import { PROFILES } from '../sim/profile.ts';
import { NodeHost } from '../board/node/host.ts';
import { startBroker } from '../sim/broker.ts';

async function heapTops(probe: string, url: string): Promise<[number, number]> {
  let connected = false;
  const host = new NodeHost({ wasmPath: probe, config: { url, client_id: `bench-fp-${process.pid}` }, onEvent: (e) => { if (e.event === 'connected') connected = true; } });
  const nw = host.exports.__new!;
  const before = nw(0, 0);
  host.setup();
  host.start();
  const until = Date.now() + 10_000;
  while (!connected && Date.now() < until) await sleep(10);
  const after = nw(0, 0);
  host.disconnect();
  await sleep(50);
  host.stop();
  return [before, after];
}

function highWater(wasm: string, budget: number, url: string): Promise<number | null> {
  const native = `${ROOT}/build/atmqtt-native`;
  if (!existsSync(native)) return Promise.resolve(null);
  const img = `${ROOT}/build/bench-${budget}.img`;
  execFileSync('python3', ['board/posix/mkimage.py', wasm, img], { cwd: ROOT, stdio: 'ignore' });
  const lines = ['sub s/# 2'];
  for (const q of [0, 1, 2]) for (let k = 0; k < 3; k++) lines.push(`pub s/${q} ${q} 0 m${q}-${k}-${'x'.repeat(100)}`);
  return new Promise((resolve) => {
    const p = spawn(native, ['--image', img, '--broker', url, '--memory-limit', String(budget), '--stats'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.stdin.on('error', () => {});
    let i = 0;
    const timer = setInterval(() => { if (i < lines.length) p.stdin.write(lines[i++] + '\n'); else { clearInterval(timer); p.stdin.end(); } }, 50);
    const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', () => {
      clearInterval(timer); clearTimeout(kill);
      const m = /high-water (\d+) bytes/.exec(err);
      resolve(m ? Number(m[1]) : null);
    });
  });
}

export async function footprint(_o: BenchOptions): Promise<Section> {
  const broker = await startBroker(0, 0);
  const rows: Table['rows'] = [];
  try {
    for (const p of Object.values(PROFILES)) {
      if (!existsSync(p.wasm) || !existsSync(p.probe)) { rows.push([p.name, null, null, null, null, p.budget]); continue; }
      const [before, after] = await heapTops(p.probe, broker.url);
      const hw = await highWater(p.wasm, p.budget, broker.url);
      rows.push([p.name, statSync(p.wasm).size, before, after, hw, p.budget]);
    }
  } finally {
    await broker.close();
  }
  return {
    name: 'footprint',
    tables: [{
      title: '6. Footprint per build profile (bytes)',
      columns: ['profile', 'module (.wasm)', 'static data (heap top before setup)', 'heap top once connected', 'linear-memory high-water (wasm3, QoS 0/1/2)', 'RAM budget (memoryLimit)'],
      rows,
      notes: [
        'Heap tops from the probe build (the same sources with __new exported); the stub runtime never frees and the firmware allocates nothing after setup(), so "once connected" is the whole heap. High-water: the native wasm3 host (board/posix, npm run build:native) run with --stats over a short QoS 0/1/2 exchange with the embedded broker: the last non-zero byte of linear memory. Flash and RAM per board: section 5.',
      ],
    }],
  };
}
