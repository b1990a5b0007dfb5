// What every emulated modem shares: power and GPIO, the paced UART, the
// command-line reader with echo, the `>` data phase, busy handling, delayed
// responses, bridged TCP (and TLS) sockets, and the faults that are not
// modem specific.
import net from 'node:net';
import { Prng } from './prng.ts';
import { connectTls, type TlsLink } from './tls.ts';
import { Uart } from './uart.ts';
import {
  FAULTS, PIN_PWRKEY, PIN_RESET,
  type FaultName, type ModemEmulator, type ModemKind, type ModemOptions, type ModemStats, type ModemTimers, type ModemTiming,
} from './types.ts';

export const DEFAULT_TIMING: ModemTiming = {
  simGarbageMs: 40,
  simRdyMs: 400,
  simCfunMs: 500,
  registerMs: 1000,
  simCallReadyMs: 1500,
  ciicrMs: 500,
  shutMs: 150,
  cgattMs: 100,
  connectMs: 80,
  sendOkMs: 100,
  closeMs: 50,
  simConnectTimeoutMs: 75000,
  simRxBufMax: 16384,
  espGarbageMs: 30,
  espReadyMs: 400,
  cwjapMs: 1500,
  cwjapFailMs: 2000,
  espReconnectMs: 3000,
  espRstMs: 100,
  espSendOkMs: 15,
  espConnectTimeoutMs: 10000,
  espRxBufMax: 5744,
  stormMs: 3000,
  outageConnectFailMs: 3000,
  pwrkeyMs: 1000,
  pwrkeyOffMs: 1500,
  resetMs: 1,
  tickMs: 1,
};

const CR = 0x0d;
const LF = 0x0a;
const BS = 0x08;
const MAX_LINE = 556;

/** `\r\n<text>\r\n` */
export const L = (text: string): string => `\r\n${text}\r\n`;

export interface Cmd {
  /** `''` for bare AT, `E` for ATE0, `+CIPSTART`, `&W` */
  name: string;
  /** `''` execute, `=` set, `?` read, `=?` test */
  op: '' | '=' | '?' | '=?';
  /** arguments with quotes removed */
  args: string[];
  /** the command line as received, from "AT" */
  text: string;
}

/** backslash: ESP-AT's escapes inside quoted arguments (`\"`, `\,`, `\\`); SIMCom has none. */
export function parseCmd(text: string, backslash = false): Cmd {
  const rest = text.slice(2);
  let name: string;
  let tail: string;
  const ext = /^([+*#$%^][A-Za-z0-9_]+)(.*)$/s.exec(rest);
  if (ext) {
    name = ext[1]!.toUpperCase();
    tail = ext[2]!;
  } else if (rest.startsWith('&')) {
    name = rest.slice(0, 2).toUpperCase();
    tail = rest.slice(2);
  } else if (rest.length > 0) {
    name = rest[0]!.toUpperCase();
    tail = rest.slice(1);
  } else {
    return { name: '', op: '', args: [], text };
  }
  let op: Cmd['op'] = '';
  if (tail.startsWith('=?')) { op = '=?'; tail = tail.slice(2); }
  else if (tail.startsWith('=')) { op = '='; tail = tail.slice(1); }
  else if (tail.startsWith('?')) { op = '?'; tail = tail.slice(1); }
  else if (!ext) op = tail.length > 0 ? '=' : ''; // ATE0 → E with "0"
  return { name, op, args: splitArgs(tail, backslash), text };
}

/** Splits on commas outside double quotes and removes the quotes. */
export function splitArgs(s: string, backslash = false): string[] {
  if (s.trim() === '') return [];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let escaped = false;
  for (const ch of s) {
    if (escaped) { cur += ch; escaped = false; continue; }
    if (backslash && quoted && ch === '\\') { escaped = true; continue; }
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) { out.push(cur.trim()); cur = ''; }
    else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** A decimal integer argument, or NaN. */
/** Takes up to n bytes off the front of a queue of received chunks (a
 * link's receive buffer), splitting the last chunk taken if need be. */
export function takeBytes(queue: Buffer[], n: number): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n && queue.length > 0) {
    const head = queue[0]!;
    const k = Math.min(head.length, n - got);
    parts.push(head.subarray(0, k));
    got += k;
    if (k === head.length) queue.shift();
    else queue[0] = head.subarray(k);
  }
  return Buffer.concat(parts);
}

export function int(s: string | undefined): number {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN;
}

export function latin1(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

interface DataSink {
  /** bytes still expected; null = until Ctrl-Z (ESC cancels) */
  need: number | null;
  parts: Uint8Array[];
  got: number;
  echo: boolean;
  done: (data: Uint8Array, cancelled: boolean) => void;
}

export interface TcpHandlers {
  /** connected (with TLS: the handshake done and the server verified) */
  connect(): void;
  data(b: Buffer): void;
  /**
   * peer closed or the connection failed; err set when it never connected
   * or broke; handshake true when TCP was up but TLS never completed
   */
  close(err: NodeJS.ErrnoException | null, handshake: boolean): void;
}

export abstract class ModemBase implements ModemEmulator {
  readonly kind: ModemKind;
  protected readonly opts: ModemOptions;
  protected readonly now: () => number;
  protected readonly timers: ModemTimers;
  protected readonly rng: Prng;
  protected readonly uart: Uart;
  protected readonly T: ModemTiming;
  protected readonly slowFactor: number;

  protected power: 'off' | 'on' = 'off';
  /** boot finished far enough to take commands */
  protected ready = false;
  protected hung = false;
  protected closed = false;
  /** advanced on every power change: callbacks of an older epoch are dropped */
  protected epoch = 0;
  protected echo = true;
  /** autobaud: the modem has seen "AT" and knows the rate */
  protected synced = true;
  /** a command is executing: SIM holds further input, ESP answers `busy p...` / `busy s...` */
  protected busy: false | 'p' | 's' = false;
  protected slow = false;
  protected stormUntil = -Infinity;
  protected sendFailNext = false;
  /** the network beyond the module is gone: nothing passes either way, nothing is closed */
  protected outage = false;
  private readonly held = new Map<net.Socket, Uint8Array[]>();
  /** 'reset-mid-read' (short) / 'reset-after-read' (after) armed: cuts the next counted data response */
  private brownOutNext: 'short' | 'after' | null = null;
  protected poweredAt = 0;
  /** printed its last word, powering off once it has gone out */
  private stopping = false;
  protected readonly sockets = new Set<net.Socket>();
  protected readonly counters = { bytesToDevice: 0, bytesFromDevice: 0, commands: 0, connects: 0 };

  private readonly pendingTimers = new Set<unknown>();
  private readonly connectTimers = new Map<net.Socket, NodeJS.Timeout>();
  private readonly inq: Uint8Array[] = [];
  private processing = false;
  private lineBuf: number[] = [];
  private lineOverflow = false;
  private echoBuf: number[] = [];
  private stormInEcho = false;
  private sink: DataSink | null = null;
  private prevByte = -1;
  private pwrkeyLowAt: number | null = null;
  private resetLow = false;
  private resetWasOn = false;
  private resetLowAt = 0;

  /** SIM: a line ends at CR. ESP: a line ends at CR LF. */
  protected abstract readonly crlfLines: boolean;
  /** SIM echoes the data after `>` when echo is on; ESP does not. */
  protected abstract readonly echoData: boolean;
  /** max response times from the manuals, for the 'slow' fault */
  protected abstract maxTimeMs(name: string): number;
  protected abstract exec(cmd: Cmd): void;

  /** ATE / ATE0 / ATE1: the same on every module. */
  protected ate(op: string, args: string[]): void {
    if (op === '' || args[0] === '1') this.echo = true;
    else if (args[0] === '0') this.echo = false;
    else return this.error();
    this.ok();
  }
  /** power-on: reset volatile state and schedule the boot output */
  protected abstract boot(): void;
  /** a storm URC that does no harm, or null when none fits right now */
  protected abstract stormUrc(): string | null;
  protected abstract faultDrop(): void;
  protected abstract faultPdpDeact(): void;
  /** SIM: Call Ready / SMS Ready now (late, no restart); ESP has none. */
  protected faultLateReady(): void {}
  /** forget every link (the sockets are already destroyed) */
  protected abstract resetLinks(): void;
  /** an input byte while busy: true = consumed, false = hold input until not busy */
  protected abstract busyByte(b: number): boolean;

  constructor(opts: ModemOptions) {
    this.kind = opts.kind;
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    this.rng = new Prng(opts.seed ?? 1);
    // SIM900 HD V1.05: "5s > Pulldown > 1s" switches it off; SIM800 wants 1.5 s
    this.T = { ...DEFAULT_TIMING, ...(opts.kind === 'sim900' ? { pwrkeyOffMs: 1000 } : {}), ...opts.timing };
    this.slowFactor = opts.slowFactor ?? 0.5;
    this.uart = new Uart(this.now, this.timers, opts.rxFifo, (b) => this.fromUart(b), this.T.tickMs, opts.baud ?? 115200);
  }

  /** The firmware has SSL: SIM900 never, the others unless `ssl: false`. */
  protected get sslCapable(): boolean {
    return this.kind !== 'sim900' && this.opts.ssl !== false;
  }

  /** A remark for the user (not UART traffic): TLS verification off, why a handshake failed. */
  protected notice(text: string): void {
    const line = `modem ${this.kind}: ${text}`;
    if (this.opts.notice) this.opts.notice(line);
    else process.stderr.write(line + '\n');
  }

  /** Called once by createModem after construction. */
  start(): void {
    if (this.opts.poweredOn ?? true) this.powerOn();
  }

  // ---- ModemEmulator -------------------------------------------------

  write(data: Uint8Array): number {
    if (this.closed) return data.length;
    const copy = Uint8Array.from(data);
    this.counters.bytesFromDevice += copy.length;
    this.opts.log?.('dev->mdm', copy);
    this.uart.write(copy);
    return copy.length;
  }

  read(max: number): Uint8Array {
    if (this.closed) return new Uint8Array(0);
    return this.uart.read(max);
  }

  setBaud(baud: number): void {
    if (this.closed || !(baud > 0)) return;
    this.uart.setDeviceBaud(baud);
  }

  gpio(pin: number, level: number): void {
    if (this.closed) return;
    const t = this.now();
    if (pin === PIN_PWRKEY) {
      if (this.kind === 'esp-at') return;
      if (level === 0) {
        if (this.pwrkeyLowAt === null) this.pwrkeyLowAt = t;
      } else if (this.pwrkeyLowAt !== null) {
        const held = t - this.pwrkeyLowAt;
        this.pwrkeyLowAt = null;
        // shorter than the hardware design's minimum: nothing happens
        if (this.power === 'off' || this.stopping) {
          if (held >= this.T.pwrkeyMs) this.powerOn();
        } else if (held >= this.T.pwrkeyOffMs) {
          if (this.hung) this.powerOff();
          else this.shutdown('NORMAL POWER DOWN');
        }
      }
    } else if (pin === PIN_RESET) {
      // the chip is held in reset only once LOW has lasted resetMs: a
      // shorter glitch does nothing
      if (level === 0) {
        if (this.resetLow) return;
        this.resetLow = true;
        this.resetLowAt = t;
        this.resetWasOn = (this.power === 'on' && !this.stopping) || this.kind === 'esp-at';
        const ep = this.epoch;
        this.after(this.T.resetMs, () => { if (this.resetLow && this.epoch === ep) this.powerOff(); });
      } else if (this.resetLow) {
        this.resetLow = false;
        if (t - this.resetLowAt >= this.T.resetMs && this.resetWasOn) this.powerOn();
      }
    }
  }

  fault(name: string): void {
    if (!(FAULTS as readonly string[]).includes(name)) {
      throw new Error(`unknown modem fault "${name}"; known: ${FAULTS.join(', ')}`);
    }
    if (this.closed) return;
    const f = name as FaultName;
    if (f === 'clear') {
      this.slow = false;
      this.stormUntil = -Infinity;
      this.sendFailNext = false;
      this.brownOutNext = null;
      this.endOutage();
      return;
    }
    if (f === 'outage') {
      // not tied to the module's power: the coverage is gone, not the module
      this.outage = true;
      for (const s of this.sockets) s.pause();
      return;
    }
    if (this.power !== 'on' || this.hung) return;
    switch (f) {
      case 'reboot': this.powerOn(); break;
      case 'garbage': this.emitRaw(this.rng.bytes(this.rng.int(8, 48))); break;
      case 'hang': this.hang(); break;
      case 'slow': this.slow = true; break;
      case 'send-fail': this.sendFailNext = true; break;
      case 'reset-mid-read': this.brownOutNext = 'short'; break;
      case 'reset-after-read': this.brownOutNext = 'after'; break;
      case 'urc-storm': this.startStorm(); break;
      case 'drop': this.faultDrop(); break;
      case 'pdp-deact': this.faultPdpDeact(); break;
      case 'late-ready': this.faultLateReady(); break;
    }
  }

  onReadable(cb: () => void): void {
    this.uart.onReadable(cb);
  }

  stats(): ModemStats {
    return { ...this.counters, overruns: this.uart.overruns };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outage = false; // nothing held back once the emulator is gone
    for (const sock of this.held.keys()) sock.destroy();
    this.held.clear();
    this.epoch++;
    this.clearTimers();
    this.killSockets();
    this.uart.close();
  }

  // ---- power ---------------------------------------------------------

  /** Power on, or restart when on: all volatile state is lost. */
  protected powerOn(): void {
    this.powerOff();
    this.power = 'on';
    this.poweredAt = this.now();
    this.boot();
  }

  protected powerOff(): void {
    this.epoch++;
    this.clearTimers();
    this.killSockets();
    this.resetLinks();
    this.uart.cutTx();
    this.power = 'off';
    this.stopping = false;
    this.ready = false;
    this.hung = false;
    this.busy = false;
    this.slow = false;
    this.stormUntil = -Infinity;
    this.sendFailNext = false;
    this.echo = true;
    this.inq.length = 0;
    this.lineBuf = [];
    this.echoBuf = [];
    this.sink = null;
    this.prevByte = -1;
  }

  /** Prints a last word, then powers off once it has gone out. */
  protected shutdown(lastWord: string | null): void {
    this.ready = false;
    this.stopping = true;
    this.killSockets();
    if (lastWord !== null) this.emit(L(lastWord));
    this.after(this.txDrainMs(), () => this.powerOff());
  }

  /**
   * A counted data response (its header, then its data) about to go out:
   * when a 'reset-mid-read' / 'reset-after-read' fault is armed, sends it 8
   * bytes short (or whole, but without what follows, its OK), then the
   * module browns out: nothing more is said or heard, the links are gone,
   * and once those bytes have drained from the UART it starts again (power-on
   * garbage, RDY / ready), as a supply dip under load does. Returns true
   * when it did: the caller sends nothing more.
   */
  protected brownOut(head: string, data: Uint8Array): boolean {
    const how = this.brownOutNext;
    if (how === null) return false;
    this.brownOutNext = null;
    const cut = how === 'short' ? data.subarray(0, Math.max(0, data.length - 8)) : data;
    this.emit(Buffer.concat([Buffer.from(head, 'latin1'), cut]));
    this.ready = false; // input from here on is lost
    this.clearTimers();
    this.killSockets();
    this.stormUntil = -Infinity;
    this.after(this.txDrainMs(), () => this.powerOn());
    return true;
  }

  private hang(): void {
    this.flushEcho();
    this.hung = true;
    this.clearTimers();
    this.uart.cutTx();
    this.sink = null;
    this.inq.length = 0;
    // the TCP links stay up, unserviced, until the module is power cycled
    for (const s of this.sockets) s.pause();
  }

  // ---- timers ----------------------------------------------------------

  /** Runs fn after ms unless the modem lost power or was closed meanwhile. */
  protected after(ms: number, fn: () => void): void {
    const epoch = this.epoch;
    const h: unknown = this.timers.setTimeout(() => {
      this.pendingTimers.delete(h);
      if (epoch !== this.epoch || this.closed || this.hung) return;
      fn();
    }, Math.max(0, ms));
    this.pendingTimers.add(h);
  }

  private clearTimers(): void {
    for (const h of this.pendingTimers) this.timers.clearTimeout(h);
    this.pendingTimers.clear();
  }

  /** Marks the modem busy for ms (plus the 'slow' delay), then runs fn and takes input again. */
  protected busyFor(ms: number, fn: () => void, kind: 'p' | 's' = 'p'): void {
    this.busy = kind;
    this.after(ms, () => {
      this.busy = false;
      fn();
      this.processInput();
    });
  }

  // ---- output ----------------------------------------------------------

  protected get talking(): boolean {
    return !this.closed && this.power === 'on' && !this.hung;
  }

  /** Sends modem output (silent while off, hung, or not autobaud-synced). */
  protected emit(data: string | Uint8Array): void {
    if (!this.synced) return;
    this.emitRaw(data);
  }

  /** Sends bytes even before autobaud sync (power-on garbage). */
  protected emitRaw(data: string | Uint8Array): void {
    if (!this.talking) return;
    this.flushEcho();
    this.send(typeof data === 'string' ? latin1(data) : data);
  }

  private send(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    let b = bytes;
    if (this.synced && this.uart.mdmBaud !== this.uart.devBaud) b = this.rng.bytes(b.length);
    this.counters.bytesToDevice += b.length;
    this.opts.log?.('mdm->dev', b);
    this.uart.send(b);
  }

  private flushEcho(): void {
    if (this.echoBuf.length === 0) return;
    const b = Uint8Array.from(this.echoBuf);
    this.echoBuf = [];
    if (this.talking && this.synced) this.send(b);
  }

  protected ok(): void { this.emit(L('OK')); }
  protected error(): void { this.emit(L('ERROR')); }

  /** Emits a response made of segments; during a storm, URCs may land between (and before) them. */
  protected reply(...segments: (string | Uint8Array)[]): void {
    segments.forEach((seg, i) => {
      if (this.storming() && this.rng.chance(i === 0 ? 0.3 : 0.5)) this.stormOne();
      this.emit(seg);
    });
  }

  // ---- storm -----------------------------------------------------------

  protected storming(): boolean {
    return this.now() < this.stormUntil;
  }

  /** Emits one harmless URC if one fits. */
  protected stormOne(): void {
    const u = this.stormUrc();
    if (u !== null) this.emit(L(u));
  }

  private startStorm(): void {
    const already = this.storming();
    this.stormUntil = this.now() + this.T.stormMs;
    if (already) return;
    const tick = (): void => {
      if (!this.storming()) return;
      this.stormOne();
      this.after(this.rng.int(20, 200), tick);
    };
    this.after(this.rng.int(0, 50), tick);
  }

  // ---- input -----------------------------------------------------------

  private fromUart(bytes: Uint8Array): void {
    if (!this.talking) return;
    let b = bytes;
    if (this.synced && this.uart.mdmBaud !== this.uart.devBaud) b = this.rng.bytes(b.length);
    if (!this.ready) return; // still booting: input is lost
    this.inq.push(b);
    this.processInput();
  }

  /** Works through queued input until it is empty or the modem is busy. */
  protected processInput(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.inq.length > 0) {
        if (!this.talking || !this.ready) { this.inq.length = 0; break; }
        const head = this.inq[0]!;
        if (head.length === 0) { this.inq.shift(); continue; }
        if (this.sink) {
          const used = this.feedSink(head);
          this.consume(used);
          continue;
        }
        if (this.busy) {
          if (!this.busyByte(head[0]!)) break;
          this.consume(1);
          continue;
        }
        this.consume(1);
        this.commandByte(head[0]!);
      }
      this.flushEcho();
    } finally {
      this.processing = false;
    }
  }

  private consume(n: number): void {
    const head = this.inq[0]!;
    if (n >= head.length) this.inq.shift();
    else this.inq[0] = head.subarray(n);
  }

  private commandByte(b: number): void {
    if (!this.synced) {
      // autobaud: nothing is understood until "AT" / "at"
      const prev = this.prevByte;
      this.prevByte = b;
      const isT = b === 0x54 || b === 0x74;
      const prevA = prev === 0x41 || prev === 0x61;
      if (!(isT && prevA)) return;
      this.synced = true;
      this.uart.setModemBaud(this.uart.devBaud);
      this.onSynced();
      this.lineBuf = [prev, b];
      if (this.echo) this.echoBuf.push(...this.lineBuf);
      return;
    }
    if (this.echo) {
      this.echoBuf.push(b);
      if (this.storming() && !this.stormInEcho && this.lineBuf.length > 0 && this.rng.chance(0.12)) {
        this.stormInEcho = true;
        this.stormOne();
      }
    }
    const ends = this.crlfLines
      ? b === LF && this.lineBuf[this.lineBuf.length - 1] === CR
      : b === CR;
    if (ends) {
      if (this.crlfLines) this.lineBuf.pop();
      const bytes = this.lineBuf;
      const overflow = this.lineOverflow;
      this.lineBuf = [];
      this.lineOverflow = false;
      this.stormInEcho = false;
      this.line(Buffer.from(bytes).toString('latin1'), overflow);
      return;
    }
    if (b === BS) { this.lineBuf.pop(); return; }
    if (!this.crlfLines && b === LF) return;
    if (this.lineBuf.length < MAX_LINE + 8) this.lineBuf.push(b);
    else this.lineOverflow = true;
  }

  /** Hook: autobaud just locked on. */
  protected onSynced(): void {}

  private line(raw: string, overflow: boolean): void {
    const at = raw.search(/at/i);
    if (at < 0) return; // not a command: ignored without an answer
    const text = raw.slice(at);
    if (overflow || text.length > MAX_LINE) { this.error(); return; }
    this.counters.commands++;
    const cmd = parseCmd(text, this.kind === 'esp-at');
    if (this.slow) {
      this.busyFor(this.slowFactor * this.maxTimeMs(cmd.name), () => this.exec(cmd));
    } else {
      this.exec(cmd);
    }
  }

  /** Switches to the data phase after `>`: the next `need` bytes (or up to Ctrl-Z) are data. */
  protected expectData(need: number | null, done: (data: Uint8Array, cancelled: boolean) => void): void {
    this.sink = { need, parts: [], got: 0, echo: this.echo && this.echoData, done };
  }

  private feedSink(chunk: Uint8Array): number {
    const s = this.sink!;
    let used: number;
    let finished = false;
    let cancelled = false;
    if (s.need !== null) {
      used = Math.min(chunk.length, s.need - s.got);
      s.parts.push(chunk.slice(0, used));
      s.got += used;
      finished = s.got === s.need;
    } else {
      const z = chunk.findIndex((x) => x === 0x1a || x === 0x1b);
      used = z < 0 ? chunk.length : z + 1;
      const data = chunk.slice(0, z < 0 ? used : z);
      s.parts.push(data);
      s.got += data.length;
      if (z >= 0) { finished = true; cancelled = chunk[z] === 0x1b; }
    }
    if (s.echo) this.echoBuf.push(...chunk.subarray(0, used));
    if (finished) {
      this.sink = null;
      const all = Buffer.concat(s.parts);
      this.flushEcho();
      s.done(all, cancelled);
    }
    return used;
  }

  // ---- TCP bridge ----------------------------------------------------

  /** Sends to the peer; during an outage the bytes wait, as in a TCP retransmit queue. */
  protected netWrite(sock: net.Socket, data: Uint8Array): void {
    if (!this.outage) { sock.write(data); return; }
    const q = this.held.get(sock) ?? [];
    q.push(data);
    this.held.set(sock, q);
  }

  private endOutage(): void {
    if (!this.outage) return;
    this.outage = false;
    for (const [sock, q] of this.held) {
      if (sock.destroyed) continue;
      // a socket closed meanwhile goes now; the others get what waited
      if (!this.sockets.has(sock)) sock.destroy();
      else for (const d of q) sock.write(d);
    }
    this.held.clear();
    for (const s of this.sockets) s.resume();
  }

  /**
   * Opens a real TCP connection, or TLS over it when `secure` is given
   * (connect() then waits for the verified handshake); handlers run only
   * while this power epoch lasts.
   */
  protected openTcp(host: string, port: number, timeoutMs: number, h: TcpHandlers, secure?: TlsLink): net.Socket {
    const epoch = this.epoch;
    const live = (): boolean => epoch === this.epoch && !this.closed && !this.hung;
    if (this.outage) {
      // no route: the attempt fails after a while, without touching the network
      this.after(this.T.outageConnectFailMs, () => h.close(Object.assign(new Error('no network'), { code: 'ETIMEDOUT' }), false));
      return new net.Socket();
    }
    const sock = secure ? connectTls(host, port, secure, this.opts.ca) : net.connect({ host, port });
    sock.setNoDelay(true);
    this.sockets.add(sock);
    let connected = false;
    /** TCP up (with TLS: the handshake is running) */
    let tcpUp = false;
    let ended = false;
    const finish = (err: NodeJS.ErrnoException | null): void => {
      if (ended) return;
      ended = true;
      this.sockets.delete(sock);
      clearTimeout(timer);
      this.connectTimers.delete(sock);
      sock.destroy();
      if (live()) h.close(err, secure !== undefined && tcpUp && !connected);
    };
    // real time on purpose: the socket is real
    const timer = setTimeout(() => {
      if (!connected) finish(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    timer.unref();
    this.connectTimers.set(sock, timer);
    const up = (): void => {
      clearTimeout(timer);
      connected = true;
      if (live()) h.connect();
    };
    sock.on('connect', () => {
      tcpUp = true;
      if (!secure) up();
    });
    if (secure) sock.on('secureConnect', up);
    sock.on('data', (d: Buffer) => { if (live() && !ended) h.data(d); });
    sock.on('end', () => finish(null));
    sock.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); finish(e); });
    sock.on('close', () => { clearTimeout(timer); finish(connected ? null : Object.assign(new Error('closed'), { code: 'ECONNRESET' })); });
    return sock;
  }

  /** Closes a bridged socket from the modem side (no handler runs). */
  protected dropSocket(sock: net.Socket | null, graceful = false): void {
    if (!sock) return;
    this.sockets.delete(sock);
    clearTimeout(this.connectTimers.get(sock));
    this.connectTimers.delete(sock);
    sock.removeAllListeners('data');
    sock.removeAllListeners('end');
    sock.removeAllListeners('close');
    sock.removeAllListeners('error');
    sock.on('error', () => {});
    if (this.outage) {
      // the FIN or RST cannot get out either: the peer finds out by its keep alive
      this.held.set(sock, []);
      return;
    }
    if (graceful) {
      sock.end();
      setTimeout(() => sock.destroy(), 2000).unref();
    } else {
      sock.destroy();
    }
  }

  protected killSockets(): void {
    for (const s of [...this.sockets]) this.dropSocket(s);
    this.sockets.clear();
  }

  /** Changes the modem's own UART rate once its last reply has gone out. */
  protected switchBaudAfterReply(baud: number): void {
    this.after(this.txDrainMs(), () => this.uart.setModemBaud(baud));
  }

  /** ms until everything queued toward the device has arrived (timers round down: a little margin). */
  protected txDrainMs(): number {
    return Math.max(0, this.uart.txIdleAt() - this.now()) + 2;
  }
}
