// Drives the ATmega1284P image inside simavr for the avr-* tests: an
// emulated modem served over TCP (atmqtt modem), the harness
// build/avr/atmqtt-simavr on it, console lines (board/CONSOLE.md) in and out.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoardConsole } from '../helpers/board-console.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HARNESS = path.join(ROOT, 'build/avr/atmqtt-simavr');

/** Builds the image (OUT dir, extra env) with board/avr/build.sh; returns its stdout. */
export function buildAvr(env: Record<string, string> = {}): string {
  return execFileSync('bash', ['board/avr/build.sh'], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
}

/** Harness counters: cycles, cycles awake, simulated ms, modem UART bytes out / in. */
export interface Cycles { cycles: number; busy: number; simMs: number; tx: number; rx: number }

export class AvrRun extends BoardConsole {
  private constructor(readonly modem: ChildProcess, readonly sim: ChildProcess, readonly startedAt: number) { super(sim); }

  /** extra: more harness arguments (bench/avr-profile.ts: --profile FILE) */
  static async start(elf: string, kind: 'sim800' | 'esp-at' = 'sim800', harness = HARNESS, extra: string[] = []): Promise<AvrRun> {
    const modem = spawn(process.execPath, ['--import', 'tsx', 'bin/atmqtt.js', 'modem', '--modem', kind, '--listen', '0'],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      const rl = readline.createInterface({ input: modem.stdout! });
      const t = setTimeout(() => reject(new Error('modem server did not listen')), 30_000);
      rl.on('line', (l) => {
        try {
          const o = JSON.parse(l) as { event?: string; port?: number };
          if (o.event === 'listening' && o.port) { clearTimeout(t); resolve(o.port); }
        } catch { /* not JSON */ }
      });
      modem.once('exit', () => reject(new Error('modem server exited')));
    });
    const sim = spawn(harness, ['--elf', elf, '--modem-port', String(port), ...extra], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    return new AvrRun(modem, sim, Date.now());
  }

  /** The harness's cycle counters (SIGUSR1): total cycles, cycles awake, simulated ms. */
  async cycles(): Promise<Cycles> {
    const from = this.stderr.length;
    this.sim.kill('SIGUSR1');
    const until = Date.now() + 5000;
    for (;;) {
      for (let i = from; i < this.stderr.length; i++) {
        const m = /^cycles (\d+) busy (\d+) sim_ms (\d+) uart1_tx (\d+) uart1_rx (\d+)/.exec(this.stderr[i]!);
        if (m) return { cycles: Number(m[1]), busy: Number(m[2]), simMs: Number(m[3]), tx: Number(m[4]), rx: Number(m[5]) };
      }
      if (Date.now() > until) throw new Error('no cycle report from the harness');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const gone = (p: ChildProcess): Promise<void> => p.exitCode !== null || p.signalCode !== null
      ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
    this.sim.kill('SIGTERM');
    await Promise.race([gone(this.sim), new Promise((r) => setTimeout(r, 3000))]);
    if (this.sim.exitCode === null) this.sim.kill('SIGKILL');
    this.modem.kill('SIGTERM');
    await Promise.race([gone(this.modem), new Promise((r) => setTimeout(r, 3000))]);
    if (this.modem.exitCode === null) this.modem.kill('SIGKILL');
  }
}

export { hex, type Line } from '../helpers/board-console.ts';
