// The rv32-qemu board on a bench of its own, for tests/boards/rv32-*.test.ts
// until `atmqtt sim --board rv32-qemu` lands: an emulated modem served as raw
// UART bytes on a loopback port (QEMU's -serial tcp: connects to it), the
// image in qemu-system-riscv32, and its console (board/CONSOLE.md) as lines.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModem, type ModemEmulator, type ModemKind } from '../../sim/modem/index.ts';
import { board } from '../../board/rv32/emulator.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ELF = path.join(ROOT, board.artifact);

/** An emulated modem whose UART is one raw TCP connection. */
export class RawModem {
  readonly modem: ModemEmulator;
  port = 0;
  private readonly server: net.Server;
  private sock: net.Socket | null = null;

  constructor(kind: ModemKind) {
    this.modem = createModem({ kind, baud: 115200, apn: '' });
    this.modem.onReadable(() => this.pump());
    this.server = net.createServer((s) => {
      if (this.sock) { s.destroy(); return; }
      this.sock = s;
      s.setNoDelay(true);
      s.on('data', (d: Buffer) => this.modem.write(new Uint8Array(d)));
      s.on('close', () => { this.sock = null; });
      s.on('error', () => {});
      this.pump();
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private pump(): void {
    if (!this.sock) return;
    for (;;) {
      const d = this.modem.read(4096);
      if (d.length === 0) break;
      this.sock.write(d);
    }
  }

  async close(): Promise<void> {
    this.modem.close();
    this.sock?.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** The image in QEMU, its console as lines; `G` lines drive the modem's pins. */
export class Rv32Board {
  readonly proc: ChildProcess;
  readonly lines: { t: number; line: string }[] = [];
  readonly t0 = Date.now();
  stderr = '';
  private rest = '';
  private wake: (() => void)[] = [];

  constructor(elf: string, modem: RawModem, extraArgs: string[] = []) {
    const { cmd, args } = board.spawn({ artifact: elf, modemPort: modem.port });
    this.proc = spawn(cmd, [...args, ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (d: string) => {
      this.rest += d;
      let i;
      while ((i = this.rest.indexOf('\n')) >= 0) {
        const line = this.rest.slice(0, i);
        this.rest = this.rest.slice(i + 1);
        this.lines.push({ t: Date.now() - this.t0, line });
        const g = /^G (\d+) (\d+)$/.exec(line);
        if (g) modem.modem.gpio(Number(g[1]), Number(g[2]));
        if (process.env.RV32_TRACE) process.stderr.write(`[${Date.now() - this.t0}] ${line}\n`);
      }
      for (const w of this.wake.splice(0)) w();
    });
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.proc.on('exit', () => { for (const w of this.wake.splice(0)) w(); });
  }

  send(line: string): void { this.proc.stdin!.write(line + '\n'); }

  /** The first line (from index `from`) matching re; throws after ms. */
  async waitFor(re: RegExp, ms: number, from = 0): Promise<{ t: number; line: string; index: number }> {
    const end = Date.now() + ms;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        if (re.test(this.lines[i].line)) return { ...this.lines[i], index: i };
      }
      const left = end - Date.now();
      if (left <= 0 || this.proc.exitCode !== null) {
        throw new Error(`no line matching ${re} in ${ms} ms; last lines:\n${this.lines.slice(-15).map((l) => l.line).join('\n')}\n${this.stderr}`);
      }
      await new Promise<void>((r) => { const t = setTimeout(r, Math.min(left, 200)); this.wake.push(() => { clearTimeout(t); r(); }); });
    }
  }

  count(re: RegExp, from = 0): number {
    return this.lines.slice(from).filter((l) => re.test(l.line)).length;
  }

  /** One `S` line as numbers. */
  async stats(ms = 5000): Promise<Record<string, number>> {
    const from = this.lines.length;
    this.send('stats');
    const s = await this.waitFor(/^S /, ms, from);
    return Object.fromEntries(s.line.slice(2).split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const gone = new Promise<void>((r) => this.proc.on('exit', () => r()));
    this.proc.kill('SIGTERM');
    await gone;
  }
}

/** hex of a string's UTF-8 bytes, as the console prints topics and payloads */
export const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
