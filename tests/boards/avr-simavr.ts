// Drives the ATmega1284P image inside simavr for the avr-* tests: an
// emulated modem served over TCP (atmqtt modem), the harness
// build/avr/atmqtt-simavr on it, console lines (board/CONSOLE.md) in and out.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HARNESS = path.join(ROOT, 'build/avr/atmqtt-simavr');

/** Builds the image (OUT dir, extra env) with board/avr/build.sh; returns its stdout. */
export function buildAvr(env: Record<string, string> = {}): string {
  return execFileSync('bash', ['board/avr/build.sh'], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
}

export interface Line { text: string; at: number }
/** Harness counters: cycles, cycles awake, simulated ms, modem UART bytes out / in. */
export interface Cycles { cycles: number; busy: number; simMs: number; tx: number; rx: number }

export class AvrRun {
  readonly lines: Line[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly modem: ChildProcess, readonly sim: ChildProcess, readonly startedAt: number) {}

  static async start(elf: string, kind: 'sim800' | 'esp-at' = 'sim800', harness = HARNESS): Promise<AvrRun> {
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
    const sim = spawn(harness, ['--elf', elf, '--modem-port', String(port)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const run = new AvrRun(modem, sim, Date.now());
    readline.createInterface({ input: sim.stdout! }).on('line', (text) => {
      run.lines.push({ text, at: Date.now() });
      for (const w of run.waiters.splice(0)) w();
    });
    readline.createInterface({ input: sim.stderr! }).on('line', (l) => {
      run.stderr.push(l);
      for (const w of run.waiters.splice(0)) w();
    });
    return run;
  }

  send(line: string): void { this.sim.stdin!.write(line + '\n'); }

  /** Waits for a console line matching re, after line index from; returns it and its index. */
  async waitLine(re: RegExp, timeoutMs: number, from = 0): Promise<{ line: Line; index: number }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i]!.text)) return { line: this.lines[i]!, index: i };
      const left = until - Date.now();
      if (left <= 0 || this.sim.exitCode !== null) {
        throw new Error(`no console line ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).map((l) => l.text).join('\n')}\nstderr:\n${this.stderr.slice(-5).join('\n')}`);
      }
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, Math.min(left, 200)); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
    }
  }

  /** `stats`: the S line's key=value pairs as numbers. */
  async stats(timeoutMs = 5000): Promise<Record<string, number>> {
    const from = this.lines.length;
    this.send('stats');
    const { line } = await this.waitLine(/^S /, timeoutMs, from);
    const o: Record<string, number> = {};
    for (const kv of line.text.slice(2).split(' ')) { const [k, v] = kv.split('='); if (k && v !== undefined) o[k] = Number(v); }
    return o;
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

/** Hex of a string, as console lines carry topics and payloads. */
export const hex = (s: string): string => Buffer.from(s).toString('hex');
