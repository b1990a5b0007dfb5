// Drives the lx106 image inside qemu-system-xtensa for the lx106-* tests:
// an emulated modem in this process on the board's raw UART link (QEMU's
// -serial tcp:), `G PIN LEVEL` console lines to the modem's pins, console
// lines (board/CONSOLE.md) in and out on QEMU's stdin/stdout.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { board } from '../../board/lx106/emulator.ts';
import { createModem } from '../../sim/modem/index.ts';
import type { ModemEmulator } from '../../sim/modem/types.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Builds an image with board/lx106/build.sh (PROFILE, OUT, POKE_AFTER ...); returns its size report. */
export function buildLx106(env: Record<string, string> = {}): string {
  return execFileSync('bash', ['board/lx106/build.sh'], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
}

/** Section sizes of an ELF (xtensa-lx106-elf-size -A). */
export function sections(elf: string): Record<string, number> {
  const out = execFileSync('xtensa-lx106-elf-size', ['-A', elf], { encoding: 'utf8' });
  const o: Record<string, number> = {};
  for (const l of out.split('\n')) { const m = /^(\.\w+)\s+(\d+)/.exec(l); if (m) o[m[1]!] = Number(m[2]); }
  return o;
}

export interface Line { text: string; at: number }

export class Lx106Run {
  readonly lines: Line[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];
  private device: net.Socket | null = null;
  private constructor(readonly modem: ModemEmulator, readonly server: net.Server, readonly qemu: ChildProcess, readonly startedAt: number) {}

  /** icountShift: QEMU -icount shift=N (CCOUNT then counts 2^N * 0.04 per instruction). */
  static async start(elf: string, icountShift?: number): Promise<Lx106Run> {
    const modem = createModem({ kind: 'sim800', baud: 115200 });
    let run: Lx106Run | null = null;
    const server = net.createServer((sock) => {
      if (!run || run.device) { sock.destroy(); return; }
      run.device = sock;
      sock.setNoDelay(true);
      sock.on('data', (d: Buffer) => { modem.write(new Uint8Array(d)); pump(); });
      sock.on('error', () => {});
      sock.on('close', () => { if (run?.device === sock) run.device = null; });
      pump();
    });
    const pump = (): void => {
      for (;;) {
        const d = modem.read(4096);
        if (d.length === 0 || !run?.device) break;
        run.device.write(d);
      }
    };
    modem.onReadable(pump);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const modemPort = (server.address() as net.AddressInfo).port;
    const saved = process.env.ATMQTT_LX106_ICOUNT;
    if (icountShift !== undefined) process.env.ATMQTT_LX106_ICOUNT = String(icountShift);
    const { cmd, args } = board.spawn({ artifact: elf, modemPort });
    if (saved === undefined) delete process.env.ATMQTT_LX106_ICOUNT; else process.env.ATMQTT_LX106_ICOUNT = saved;
    const qemu = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    run = new Lx106Run(modem, server, qemu, Date.now());
    const r = run;
    qemu.stdin!.on('error', () => {});
    readline.createInterface({ input: qemu.stdout! }).on('line', (text) => {
      if (text.startsWith('G ')) { const [, pin, level] = text.split(' '); modem.gpio(Number(pin), Number(level)); }
      r.lines.push({ text, at: Date.now() });
      for (const w of r.waiters.splice(0)) w();
    });
    readline.createInterface({ input: qemu.stderr! }).on('line', (l) => {
      r.stderr.push(l);
      for (const w of r.waiters.splice(0)) w();
    });
    return run;
  }

  send(line: string): void { this.qemu.stdin!.write(line + '\n'); }

  /** Waits for a console line matching re, after line index from; returns it and its index. */
  async waitLine(re: RegExp, timeoutMs: number, from = 0): Promise<{ line: Line; index: number }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i]!.text)) return { line: this.lines[i]!, index: i };
      const left = until - Date.now();
      if (left <= 0 || this.qemu.exitCode !== null) {
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

  async stop(): Promise<void> {
    const q = this.qemu;
    if (q.exitCode === null && q.signalCode === null) {
      q.kill('SIGTERM');
      const gone = new Promise<void>((r) => q.once('exit', () => r()));
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (q.exitCode === null && q.signalCode === null) q.kill('SIGKILL');
    }
    this.device?.destroy();
    this.server.close();
    this.modem.close();
  }
}

/** Hex of a string, as console lines carry topics and payloads. */
export const hex = (s: string): string => Buffer.from(s).toString('hex');
