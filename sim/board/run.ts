// `atmqtt sim --board NAME`: the board's image inside the emulator of its
// CPU, its modem UART on an emulated modem (a TCP port the emulator
// connects to), its serial console (board/CONSOLE.md) on the emulator's
// stdin/stdout, turned into the same JSON events as the desktop host.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS } from '../../board/node/abi.ts';
import { decodeEvent, type Config, type HostEvent, type Message } from '../../board/node/host.ts';
import { serveTcp, type ServedTcp } from '../modem-server.ts';
import { createModem, traceLog, type ModemEmulator, type ModemKind } from '../modem/index.ts';
import { PROFILES, logExpander } from '../profile.ts';
import type { BoardEmulator } from './types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BoardRunOptions {
  board: BoardEmulator;
  modem: ModemKind;
  /** the device's configuration, broker URL included */
  config: Config;
  trace: boolean;
  rxFifo?: number;
  ca?: string;
  apSsid?: string;
  apPassword?: string;
  /** masked in the UART trace */
  secrets: string[];
  emit(o: object): void;
  /** the same JSON shapes as `atmqtt sim` on the desktop */
  eventLine(e: HostEvent): object;
  messageEvent(m: Message): object;
  /** the small build's log ids, when not the package's own (a user project's) */
  logMap?: string;
}

/** A figure line: `S a=1 b=2` → { a: 1, b: 2 } (text kept where not a number). */
export function parseStats(line: string): Record<string, number | string> {
  const o: Record<string, number | string> = {};
  for (const kv of line.split(/\s+/)) {
    const i = kv.indexOf('=');
    if (i <= 0) continue;
    const v = kv.slice(i + 1);
    o[kv.slice(0, i)] = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return o;
}

function hexBytes(s: string | undefined): Buffer {
  return s === undefined || s === '-' ? Buffer.alloc(0) : Buffer.from(s, 'hex');
}

/** Checks the board's tools; returns a message naming the Debian packages missing, or null. */
export function missingTools(b: BoardEmulator): string | null {
  const missing = b.needs.filter((n) => spawnSync('sh', ['-c', `command -v ${n.cmd}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return null;
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  return `--board ${b.name} needs ${missing.map((n) => n.cmd).join(', ')}: apt-get install ${pkgs.join(' ')}`;
}

/** Builds the module and the board image when missing or older than their inputs; null or why it failed. */
export function ensureBuilt(b: BoardEmulator, log: (s: string) => void): string | null {
  const wasm = PROFILES[b.profile].wasm;
  if (!existsSync(wasm)) {
    log(`building ${b.profile} module`);
    const r = spawnSync('npm', ['run', '-s', b.profile === 'small' ? 'build:small' : 'build:fw'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) return `building the ${b.profile} module failed`;
  }
  const art = `${ROOT}/${b.artifact}`;
  // the image is older than the module or any C it is built from: rebuild
  const script = b.build.find((x) => x.endsWith('.sh'));
  const dirs = ['board/core', 'board/wasm2c', ...(script ? [path.dirname(script)] : [])];
  const newest = Math.max(statSync(wasm).mtimeMs, ...dirs.flatMap((d) => {
    const abs = path.join(ROOT, d);
    return existsSync(abs) ? readdirSync(abs, { recursive: true }).map((f) => statSync(path.join(abs, String(f))).mtimeMs) : [];
  }));
  if (existsSync(art) && statSync(art).mtimeMs >= newest) return null;
  log(`building ${b.artifact}`);
  const r = spawnSync(b.build[0]!, b.build.slice(1), { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !existsSync(art)) return `${b.build.join(' ')} failed (exit ${r.status})`;
  return null;
}

/** The configuration as console lines, in key order (values as the Node host gives them). */
export function configLines(config: Config): string[] {
  const out: string[] = [];
  for (const [name, key] of Object.entries(CONFIG_KEYS).sort((a, b) => a[1] - b[1])) {
    const v = config[name as keyof typeof CONFIG_KEYS];
    if (v === undefined) continue;
    const text = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    if (/[\r\n]/.test(text)) throw new Error(`configuration ${name} has a line break`);
    out.push(`cfg ${key} ${text}`);
  }
  return out;
}

export class BoardRun {
  readonly modem: ModemEmulator;
  private proc: ChildProcess | null = null;
  private served: ServedTcp | null = null;
  private readonly expand: (s: string) => string;
  private readonly t0 = Date.now();
  private statsWait: ((s: Record<string, number | string>) => void)[] = [];
  private exited: Promise<number | null> = Promise.resolve(null);
  /** the state of the session as last seen in a stats line or event */
  connected = false;
  stderrTail = '';

  constructor(private readonly o: BoardRunOptions) {
    this.expand = logExpander({ ...PROFILES[o.board.profile], ...(o.logMap !== undefined ? { logMap: o.logMap } : {}) });
    this.modem = createModem({
      kind: o.modem,
      baud: Number(o.config.baud ?? 115200),
      rxFifo: o.rxFifo,
      apn: String(o.config.apn ?? ''),
      ssid: o.apSsid ?? String(o.config.ssid ?? ''),
      wifiPassword: o.apPassword ?? String(o.config.wifi_password ?? ''),
      log: o.trace ? traceLog((line) => process.stderr.write(line + '\n'), undefined, o.secrets) : undefined,
      ca: o.ca,
    });
  }

  private log(text: string): void {
    process.stderr.write(`[${((Date.now() - this.t0) / 1000).toFixed(3)}] ${text}\n`);
  }

  /** Serves the modem UART, starts the emulator, configures and starts the board. */
  async start(): Promise<void> {
    const b = this.o.board;
    const served = await serveTcp(this.modem, 0, b.modemLink);
    this.served = served;
    const modemPort = served.port;
    const { cmd, args } = b.spawn({ artifact: path.resolve(ROOT, b.artifact), modemPort });
    if (this.o.trace) this.log(`board ${b.name}: ${cmd} ${args.join(' ')}`);
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.stdin!.on('error', () => {});
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
      if (this.o.trace) process.stderr.write(d);
    });
    const rl = readline.createInterface({ input: proc.stdout!, terminal: false });
    rl.on('line', (line) => this.onConsole(line.replace(/\r$/, '')));
    proc.on('exit', (code, sig) => {
      if (!this.stopping) {
        this.o.emit({ event: 'error', code: 'internal', message: `board emulator exited (${sig ?? code})${this.stderrTail ? ': ' + this.stderrTail.trim().split('\n').slice(-3).join(' | ') : ''}` });
        process.exitCode = 1;
      }
    });
  }

  private stopping = false;

  /** One console line to the board. */
  send(line: string): void {
    this.proc?.stdin?.write(line + '\n');
  }

  private onConsole(line: string): void {
    const kind = line[0];
    const rest = line.slice(2);
    switch (kind) {
      case 'R':
        if (this.o.trace) this.log(`board: ${line}`);
        // a board that kept its configuration across a restart starts by itself
        if (/ running$/.test(line)) return;
        for (const l of configLines(this.o.config)) this.send(l);
        this.send('start');
        return;
      case 'L': {
        const sp = rest.indexOf(' ');
        const level = Number(rest.slice(0, sp));
        if (this.o.trace || level <= 2) this.log(this.expand(rest.slice(sp + 1)));
        return;
      }
      case 'E': {
        const [k, a, b, hex] = rest.split(' ');
        const bytes = hexBytes(hex);
        const e = decodeEvent(Number(k), Number(a), Number(b), bytes.length > 0 ? bytes.toString('utf8') : null);
        if (!e) return;
        if (e.event === 'connected') this.connected = true;
        if (e.event === 'disconnected') this.connected = false;
        this.o.emit(this.o.eventLine(e));
        return;
      }
      case 'M': {
        const [flags, topic, payload] = rest.split(' ');
        const f = Number(flags);
        this.o.emit(this.o.messageEvent({
          topic: hexBytes(topic).toString('utf8'), payload: hexBytes(payload),
          qos: f & 3, retain: (f & 4) !== 0, dup: (f & 8) !== 0,
        }));
        return;
      }
      case 'G': {
        const [pin, level] = rest.split(' ').map(Number);
        this.modem.gpio(pin!, level!);
        return;
      }
      // an app's output pin changed: the same event as atmqtt sim's
      case 'P': {
        const [pin, value] = rest.split(' ').map(Number);
        this.o.emit({ event: 'pin', pin, value });
        return;
      }
      case 'S': {
        const s = parseStats(rest);
        this.o.emit({ event: 'stats', board: this.o.board.name, ...s });
        const w = this.statsWait;
        this.statsWait = [];
        for (const f of w) f(s);
        return;
      }
      case 'X': {
        const sp = rest.indexOf(' ');
        this.o.emit({ event: 'error', code: 'refused', message: rest.slice(sp + 1), detail: Number(rest.slice(0, sp)) });
        return;
      }
      case 'T':
        this.log(`board trap: ${rest}`);
        this.o.emit({ event: 'error', code: 'trap', message: rest });
        return;
      default:
        // boot noise of the emulator or the chip: shown with --trace only
        if (this.o.trace && line.trim() !== '') this.log(`board: ${line}`);
    }
  }

  /** Asks the board for its figures; null when it does not answer in time. */
  stats(timeoutMs = 2000): Promise<Record<string, number | string> | null> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(null), timeoutMs);
      this.statsWait.push((s) => { clearTimeout(t); resolve(s); });
      this.send('stats');
    });
  }

  /** Finishes outstanding QoS 1/2 flows (bounded), DISCONNECTs, stops the emulator. */
  async finish(drain: boolean): Promise<void> {
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    if (drain) {
      const until = Date.now() + 15000;
      while (Date.now() < until) {
        const s = await this.stats();
        if (s && Number(s.pending ?? 0) === 0) break;
        await sleep(100);
      }
    }
    if (this.connected) {
      this.send('disconnect');
      const until = Date.now() + 3000;
      while (this.connected && Date.now() < until) await sleep(20);
      // the DISCONNECT must leave the modem before the board goes
      await sleep(300);
    }
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(t);
    }
    this.served?.close();
    this.modem.close();
  }
}
