// Drives `node bin/atmqtt.js sim ...` as a child process: commands on its
// stdin, one JSON event a line collected from its stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../bin/atmqtt.js', import.meta.url));

/** One stdout line of the simulator, plus when the test process read it. */
export interface SimEvent {
  event: string;
  /** Date.now() when the line was read. */
  at: number;
  url?: string;
  sessionPresent?: boolean;
  reason?: string;
  filter?: string | null;
  granted?: number;
  topic?: string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  payload?: string;
  payloadBase64?: string;
  code?: string;
  message?: string;
}

export type Pred = (e: SimEvent) => boolean;

/** Predicate builders for the common events. */
export const is = {
  connected: (sessionPresent?: boolean): Pred => (e) =>
    e.event === 'connected' && (sessionPresent === undefined || e.sessionPresent === sessionPresent),
  disconnected: (reason?: string): Pred => (e) => e.event === 'disconnected' && (reason === undefined || e.reason === reason),
  subscribed: (filter?: string): Pred => (e) => e.event === 'subscribed' && (filter === undefined || e.filter === filter),
  unsubscribed: (filter?: string): Pred => (e) => e.event === 'unsubscribed' && (filter === undefined || e.filter === filter),
  published: (topic?: string, qos?: number): Pred => (e) =>
    e.event === 'published' && (topic === undefined || e.topic === topic) && (qos === undefined || e.qos === qos),
  message: (topic?: string): Pred => (e) => e.event === 'message' && (topic === undefined || e.topic === topic),
  error: (code?: string): Pred => (e) => e.event === 'error' && (code === undefined || e.code === code),
};

const live = new Set<Sim>();
process.on('exit', () => {
  for (const s of live) s.killNow();
});

export interface SimOptions {
  /** Echo stdout/stderr lines of the child to this process's stderr. */
  echo?: boolean;
}

export class Sim {
  readonly events: SimEvent[] = [];
  readonly args: string[];
  readonly startedAt = Date.now();
  stderr = '';
  /** Lines of stdout that were not JSON. */
  readonly junk: string[] = [];
  private readonly proc: ChildProcess;
  private readonly exitP: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;
  private listeners = new Set<() => void>();

  private constructor(args: string[], opts: SimOptions) {
    this.args = args;
    // ATMQTT_RUNTIME=wasm3 runs the same suite under the wasm3 interpreter
    const runtime = process.env.ATMQTT_RUNTIME;
    if (runtime && !args.includes('--runtime')) args = [...args, '--runtime', runtime];
    // ATMQTT_GUARD=1: the module instrumented so any access past the RAM budget traps
    if (process.env.ATMQTT_GUARD === '1' && !args.includes('--guard')) args = [...args, '--guard'];
    // ATMQTT_PROFILE=small: the small build, its guard at a 4 KiB budget
    const profile = process.env.ATMQTT_PROFILE;
    if (profile && !args.includes('--profile')) args = [...args, '--profile', profile];
    this.proc = spawn(process.execPath, [CLI, 'sim', ...args], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this);
    // EPIPE when the child is gone: the test sees it in the exit code
    this.proc.stdin?.on('error', () => {});
    const rl = readline.createInterface({ input: this.proc.stdout!, terminal: false });
    rl.on('line', (line) => {
      if (opts.echo) process.stderr.write(`sim> ${line}\n`);
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        this.junk.push(line);
        return;
      }
      if (o === null || typeof o !== 'object' || typeof (o as { event?: unknown }).event !== 'string') {
        this.junk.push(line);
        return;
      }
      this.events.push({ ...(o as Omit<SimEvent, 'at'>), at: Date.now() });
      this.notify();
    });
    this.proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (opts.echo) process.stderr.write(`sim! ${d.toString()}`);
    });
    const stdoutClosed = new Promise<void>((r) => rl.once('close', () => r()));
    this.exitP = new Promise<number | null>((resolve) => {
      this.proc.once('exit', (code) => {
        // all of stdout is read before the exit is reported
        void stdoutClosed.then(() => {
          this.exitCode = code;
          live.delete(this);
          this.notify();
          resolve(code);
        });
      });
    });
  }

  /** Starts the simulator with these CLI arguments (after `sim`). */
  static start(args: string[], opts: SimOptions = {}): Sim {
    return new Sim(args, opts);
  }

  get pid(): number | undefined { return this.proc.pid; }
  get exited(): boolean { return this.exitCode !== undefined; }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Writes one command line to stdin. */
  send(line: string): void {
    if (this.exited || !this.proc.stdin || this.proc.stdin.writableEnded) {
      throw new Error(`sim: cannot send "${line}": stdin closed or process exited\n${this.describe()}`);
    }
    this.proc.stdin.write(line.endsWith('\n') ? line : line + '\n');
  }

  /** Writes several command lines at once. */
  sendAll(lines: string[]): void {
    if (lines.length > 0) this.send(lines.join('\n'));
  }

  /** Ends stdin: the simulator drains, disconnects and exits. */
  end(): void {
    if (this.proc.stdin && !this.proc.stdin.writableEnded) this.proc.stdin.end();
  }

  /** Events (from index `from`) matching pred. */
  filter(pred: Pred, from = 0): SimEvent[] {
    return this.events.slice(from).filter(pred);
  }

  count(pred: Pred, from = 0): number {
    return this.filter(pred, from).length;
  }

  /**
   * The first event at index ≥ from matching pred; waits for it up to
   * timeoutMs, rejecting with the event log on timeout or process exit.
   */
  waitFor(pred: Pred, timeoutMs: number, from = 0, what = 'event'): Promise<SimEvent> {
    return this.waitForCount(pred, 1, timeoutMs, from, what).then((l) => l[0]);
  }

  /** Waits until at least n events (from index `from`) match pred. */
  waitForCount(pred: Pred, n: number, timeoutMs: number, from = 0, what = 'events'): Promise<SimEvent[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const got = this.filter(pred, from);
        if (got.length >= n) {
          done();
          resolve(got);
          return true;
        }
        if (this.exited) {
          done();
          reject(new Error(`sim exited (code ${String(this.exitCode)}) before ${n} × ${what} (got ${got.length})\n${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${n} × ${what} (got ${this.filter(pred, from).length})\n${this.describe()}`));
      }, timeoutMs);
      const done = () => { clearTimeout(timer); this.listeners.delete(listener); };
      const listener = () => { check(); };
      this.listeners.add(listener);
      check();
    });
  }

  /** Waits until cond() holds (checked on every event), up to timeoutMs. */
  waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => { clearTimeout(timer); this.listeners.delete(listener); };
      const listener = () => {
        if (cond()) { done(); resolve(); return; }
        if (this.exited) { done(); reject(new Error(`sim exited (code ${String(this.exitCode)}) before ${what}\n${this.describe()}`)); }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      this.listeners.add(listener);
      listener();
    });
  }

  /** Waits until the payloads of events matching pred (from index from) include every one of want. */
  waitForPayloads(pred: Pred, want: string[], timeoutMs: number, from = 0): Promise<void> {
    return this.waitUntil(() => {
      const got = new Set(this.filter(pred, from).map((e) => e.payload));
      return want.every((w) => got.has(w));
    }, timeoutMs, `payloads ${want.length > 4 ? `${want.slice(0, 4).join(',')},…(${want.length})` : want.join(',')}`);
  }

  /** Resolves with the exit code; kills the process (SIGKILL) and rejects after timeoutMs. */
  async exit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.killNow();
        reject(new Error(`sim did not exit within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exitP, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends stdin and awaits the exit code (bounded). */
  async endAndExit(timeoutMs: number): Promise<number | null> {
    this.end();
    return this.exit(timeoutMs);
  }

  /** Teardown: SIGKILL if still running, then wait for the exit (bounded). */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.killNow();
    await Promise.race([this.exitP, new Promise((r) => setTimeout(r, 2000))]);
  }

  killNow(): void {
    try {
      if (!this.exited && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    } catch { /* gone */ }
  }

  /** The event log and stderr tail, for assertion messages. */
  describe(maxEvents = 60): string {
    const t0 = this.startedAt;
    const ev = this.events.length > maxEvents
      ? [`... ${this.events.length - maxEvents} earlier events`, ...this.events.slice(-maxEvents).map((e) => fmt(e, t0))]
      : this.events.map((e) => fmt(e, t0));
    return `sim ${this.args.join(' ')}\nevents:\n  ${ev.join('\n  ')}\nstderr (tail):\n${this.stderr.slice(-Number(process.env.ATMQTT_STDERR_TAIL ?? 2000))}`;
  }
}

function fmt(e: SimEvent, t0: number): string {
  const { at, ...rest } = e;
  const s = JSON.stringify(rest);
  return `+${at - t0}ms ${s.length > 200 ? s.slice(0, 200) + '…' : s}`;
}

/**
 * Sends `pub` lines with at most `window` not yet reported as published
 * (the outbox holds 24 records, 8 in flight, so it never fills); returns once all are
 * reported (bounded).
 */
export async function publishWindowed(sim: Sim, topic: string, qos: number, payloads: string[], timeoutMs: number, window = 8): Promise<void> {
  const from = sim.events.length;
  const done = (): number => sim.count(is.published(topic, qos), from);
  const until = Date.now() + timeoutMs;
  let sent = 0;
  while (sent < payloads.length) {
    const room = window - (sent - done());
    if (room > 0) {
      const batch = payloads.slice(sent, sent + room);
      sim.sendAll(batch.map((p) => `pub ${topic} ${qos} 0 ${p}`));
      sent += batch.length;
    }
    const left = until - Date.now();
    if (left <= 0) throw new Error(`publishing ${topic}: ${done()}/${payloads.length} published in ${timeoutMs} ms\n${sim.describe()}`);
    await sim.waitForCount(is.published(topic, qos), Math.min(sent, done() + 1), left, from, `published ${topic}`);
  }
  await sim.waitForCount(is.published(topic, qos), payloads.length, Math.max(1, until - Date.now()), from, `published ${topic}`);
}

/** Checks cond every 50 ms (events come from two processes); rejects after timeoutMs. */
