// Drives the lx106 image inside qemu-system-xtensa for the lx106-* tests:
// an emulated modem in this process on the board's raw UART link (QEMU's
// -serial tcp:), `G PIN LEVEL` console lines to the modem's pins, console
// lines (board/CONSOLE.md) in and out on QEMU's stdin/stdout.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { BoardConsole } from '../helpers/board-console.ts';
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


export class Lx106Run extends BoardConsole {
  private device: net.Socket | null = null;
  private constructor(readonly modem: ModemEmulator, readonly server: net.Server, readonly qemu: ChildProcess, readonly startedAt: number) {
    super(qemu, (text) => {
      if (text.startsWith('G ')) { const [, pin, level] = text.split(' '); modem.gpio(Number(pin), Number(level)); }
    });
  }

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
    return run;
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

export { hex, type Line } from '../helpers/board-console.ts';
