// Drives `node bin/atmqtt.js modem ... --raw|--pty` as a child process: the
// emulated modem in a process of its own, serving one device on a raw TCP
// stream or a pseudo-terminal; `fault NAME`, `pwrkey` and `reset` on its
// stdin, JSON events on its stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { CLI, REPO_ROOT, type Sim } from './sim.ts';

export interface ModemEvent {
  event: string;
  at: number;
  port?: number;
  path?: string;
  name?: string;
  message?: string;
}

const live = new Set<ModemProc>();
process.on('exit', () => { for (const m of live) m.killNow(); });

export class ModemProc {
  readonly events: ModemEvent[] = [];
  stderr = '';
  private readonly proc: ChildProcess;
  private readonly exitP: Promise<void>;
  private exited = false;
  private waiters = new Set<() => void>();

  private constructor(readonly args: string[]) {
    this.proc = spawn(process.execPath, [CLI, 'modem', ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this);
    this.proc.stdin?.on('error', () => {});
    const rl = readline.createInterface({ input: this.proc.stdout!, terminal: false });
    rl.on('line', (line) => {
      try {
        this.events.push({ ...(JSON.parse(line) as Omit<ModemEvent, 'at'>), at: Date.now() });
      } catch { /* not JSON */ }
      for (const w of [...this.waiters]) w();
    });
    this.proc.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exitP = new Promise((r) => this.proc.once('exit', () => {
      this.exited = true;
      live.delete(this);
      for (const w of [...this.waiters]) w();
      r();
    }));
  }

  /** Starts `atmqtt modem ARGS` and waits for its first line (`listening` or `pty`). */
  static async start(args: string[], timeoutMs = 15000): Promise<ModemProc> {
    const m = new ModemProc(args);
    await m.waitFor((e) => e.event === 'listening' || e.event === 'pty', timeoutMs, 'listening or pty');
    return m;
  }

  /** The emulator on a raw TCP stream: its `--uart` argument. */
  get uartArg(): string {
    const first = this.events.find((e) => e.event === 'listening' || e.event === 'pty')!;
    return first.event === 'pty' ? first.path! : `tcp:127.0.0.1:${first.port}`;
  }

  send(line: string): void {
    this.proc.stdin?.write(line + '\n');
  }

  waitFor(pred: (e: ModemEvent) => boolean, timeoutMs: number, what: string, from = 0): Promise<ModemEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const e = this.events.slice(from).find(pred);
        if (e) { done(); resolve(e); } else if (this.exited) { done(); reject(new Error(`modem exited before ${what}\n${this.describe()}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`modem: timeout after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  /** `fault NAME`, resolved when the emulator has taken it. */
  async fault(name: string): Promise<void> {
    const from = this.events.length;
    this.send(`fault ${name}`);
    const e = await this.waitFor((x) => x.event === 'fault' || x.event === 'error', 3000, `fault ${name}`, from);
    if (e.event !== 'fault') throw new Error(`fault ${name} refused: ${e.message}`);
  }

  describe(): string {
    return `modem ${this.args.join(' ')}\nevents: ${this.events.map((e) => JSON.stringify(e)).join('\n  ')}\nstderr (tail): ${this.stderr.slice(-1500)}`;
  }

  killNow(): void {
    try { if (!this.exited) this.proc.kill('SIGKILL'); } catch { /* gone */ }
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    this.killNow();
    await Promise.race([this.exitP, new Promise((r) => setTimeout(r, 2000))]);
  }
}

/**
 * Stands in for the wires a raw stream lacks: whenever the device's
 * firmware starts a pulse on its power pin (a `gpio` event with level 0
 * from `atmqtt sim --uart`, pin 4 PWRKEY or 5 RESET), the emulator gets a
 * pulse of the same pin on its stdin. Returns a stop function.
 */
export function relayPins(sim: Sim, modem: ModemProc): () => void {
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < sim.events.length; seen++) {
      const e = sim.events[seen] as { event: string; pin?: number; level?: number };
      if (e.event === 'gpio' && e.level === 0) modem.send(e.pin === 4 ? 'pwrkey' : 'reset');
    }
  }, 20);
  return () => clearInterval(timer);
}
