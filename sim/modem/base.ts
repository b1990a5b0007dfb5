// What every emulated modem shares: its state, the ModemEmulator API, power
// (the pins live in power-pins.ts), output through the paced UART with echo,
// the input loop (lines from line-reader.ts, commands parsed by
// at-command.ts), busy handling, delayed responses (epoch-timers.ts), the
// bridged sockets (tcp-bridge.ts), and the faults that are not modem
// specific. Each vendor file holds its commands and its timings.
import type net from 'node:net';
import { parseCmd, L, latin1, type Cmd } from './at-command.ts';
import { EpochTimers } from './epoch-timers.ts';
import { kindInfo } from './kinds.ts';
import { LineReader, MAX_LINE } from './line-reader.ts';
import { PowerPins } from './power-pins.ts';
import { Prng } from './prng.ts';
import { TcpBridge, type TcpHandlers } from './tcp-bridge.ts';
import type { TlsLink } from './tls.ts';
import { Uart } from './uart.ts';
import {
  FAULTS,
  type BaseTiming, type FaultName, type ModemEmulator, type ModemKind, type ModemOptions, type ModemStats, type ModemTimers,
} from './types.ts';

export { L, int, latin1, parseCmd, splitArgs, takeBytes, type Cmd } from './at-command.ts';
export type { TcpHandlers } from './tcp-bridge.ts';

/** Delays that are not vendor specific (the vendors' are in their files). */
export const BASE_TIMING: BaseTiming = {
  connectMs: 80,
  stormMs: 3000,
  outageConnectFailMs: 3000,
  pwrkeyMs: 1000,
  pwrkeyOffMs: 1500,
  resetMs: 1,
  tickMs: 1,
};

export abstract class ModemBase<V extends object = object> implements ModemEmulator {
  readonly kind: ModemKind;
  protected readonly opts: ModemOptions;
  protected readonly now: () => number;
  protected readonly rng: Prng;
  protected readonly uart: Uart;
  protected readonly T: BaseTiming & V;
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
  /** 'reset-mid-read' (short) / 'reset-after-read' (after) armed: cuts the next counted data response */
  private brownOutNext: 'short' | 'after' | null = null;
  protected poweredAt = 0;
  /** printed its last word, powering off once it has gone out */
  private stopping = false;
  protected readonly counters = { bytesToDevice: 0, bytesFromDevice: 0, commands: 0, connects: 0 };

  private readonly timers: EpochTimers;
  private readonly pins: PowerPins;
  protected readonly net: TcpBridge;
  private readonly reader: LineReader;
  private readonly inq: Uint8Array[] = [];
  private processing = false;
  private echoBuf: number[] = [];
  private stormInEcho = false;

  /** SIM echoes the data after `>` when echo is on; ESP does not. */
  protected abstract readonly echoData: boolean;
  /** max response times from the manuals, for the 'slow' fault */
  protected abstract maxTimeMs(name: string): number;
  protected abstract exec(cmd: Cmd): void;
  /** power-on: reset volatile state and schedule the boot output */
  protected abstract boot(): void;
  /** a storm URC that does no harm, or null when none fits right now */
  protected abstract stormUrc(): string | null;
  protected abstract faultDrop(): void;
  protected abstract faultPdpDeact(): void;
  /** SIM: Call Ready / SMS Ready now (late, no restart); others: nothing. */
  protected faultLateReady(): void {}
  /** forget every link (the sockets are already destroyed) */
  protected abstract resetLinks(): void;
  /** an input byte while busy: true = consumed, false = hold input until not busy */
  protected abstract busyByte(b: number): boolean;
  /** The firmware has SSL at all (SIM900: never). `ssl: false` takes it away from the others. */
  protected readonly sslInFirmware: boolean = true;
  /** quoted arguments take backslash escapes (ESP-AT) */
  protected readonly backslashArgs: boolean = false;

  /** vendor: the vendor file's own delays, overridden by opts.timing */
  constructor(opts: ModemOptions, vendor: V & Partial<BaseTiming>) {
    this.kind = opts.kind;
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
    const timers: ModemTimers = opts.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    this.rng = new Prng(opts.seed ?? 1);
    this.T = { ...BASE_TIMING, ...vendor, ...opts.timing } as BaseTiming & V;
    this.slowFactor = opts.slowFactor ?? 0.5;
    this.timers = new EpochTimers(timers, (ep) => ep === this.epoch && !this.closed && !this.hung);
    const info = kindInfo(opts.kind);
    this.pins = new PowerPins({ onMs: this.T.pwrkeyMs, offMs: this.T.pwrkeyOffMs, resetMs: this.T.resetMs }, info.pwrkey, {
      isOff: () => this.power === 'off' || this.stopping,
      powerOn: () => this.powerOn(),
      powerKeyOff: () => { if (this.hung) this.powerOff(); else this.shutdown(this.powerDownUrc()); },
      holdInReset: () => this.powerOff(),
      // without PWRKEY (ESP: CH_PD) the release boots the chip whatever it was
      runningForReset: () => (this.power === 'on' && !this.stopping) || !info.pwrkey,
      after: (ms, fn, onlyIf) => this.after(ms, () => { if (onlyIf()) fn(); }),
    });
    this.net = new TcpBridge({
      ca: opts.ca,
      epoch: () => this.epoch,
      live: (ep) => ep === this.epoch && !this.closed && !this.hung,
      after: (ms, fn) => this.after(ms, fn),
      outageConnectFailMs: () => this.T.outageConnectFailMs,
    });
    // a line ends at CR (SIMCom, Quectel) or CR LF (ESP-AT)
    this.reader = new LineReader(info.eol === '\r\n');
    this.uart = new Uart(this.now, timers, opts.rxFifo, (b) => this.fromUart(b), this.T.tickMs, opts.baud ?? 115200);
  }

  /** What a PWRKEY switch-off prints before the module goes quiet. */
  protected powerDownUrc(): string | null {
    return 'NORMAL POWER DOWN';
  }

  /** The firmware has SSL: SIM900 never, the others unless `ssl: false`. */
  protected get sslCapable(): boolean {
    return this.sslInFirmware && this.opts.ssl !== false;
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
    this.pins.write(pin, level, this.now());
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
      this.net.endOutage();
      return;
    }
    if (f === 'outage') {
      // not tied to the module's power: the coverage is gone, not the module
      this.net.startOutage();
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
    this.net.close();
    this.epoch++;
    this.timers.clear();
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
    this.timers.clear();
    this.net.killAll();
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
    this.reader.reset();
    this.echoBuf = [];
  }

  /** Prints a last word, then powers off once it has gone out. */
  protected shutdown(lastWord: string | null): void {
    this.ready = false;
    this.stopping = true;
    this.net.killAll();
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
    this.timers.clear();
    this.net.killAll();
    this.stormUntil = -Infinity;
    this.after(this.txDrainMs(), () => this.powerOn());
    return true;
  }

  private hang(): void {
    this.flushEcho();
    this.hung = true;
    this.timers.clear();
    this.uart.cutTx();
    this.reader.reset();
    this.inq.length = 0;
    // the TCP links stay up, unserviced, until the module is power cycled
    this.net.pauseAll();
  }

  // ---- timers ----------------------------------------------------------

  /** Runs fn after ms unless the modem lost power or was closed meanwhile. */
  protected after(ms: number, fn: () => void): void {
    this.timers.after(this.epoch, ms, fn);
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

  /** ATE / ATE0 / ATE1: the same on every module. */
  protected ate(op: string, args: string[]): void {
    if (op === '' || args[0] === '1') this.echo = true;
    else if (args[0] === '0') this.echo = false;
    else return this.error();
    this.ok();
  }

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
        if (this.reader.inData) {
          const used = this.reader.feed(head, (e) => this.echoBuf.push(...e), () => this.flushEcho());
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
      const at = this.reader.sync(b);
      if (at === null) return;
      this.synced = true;
      this.uart.setModemBaud(this.uart.devBaud);
      this.onSynced();
      if (this.echo) this.echoBuf.push(...at);
      return;
    }
    if (this.echo) {
      this.echoBuf.push(b);
      if (this.storming() && !this.stormInEcho && this.reader.length > 0 && this.rng.chance(0.12)) {
        this.stormInEcho = true;
        this.stormOne();
      }
    }
    const line = this.reader.push(b);
    if (line === null) return;
    this.stormInEcho = false;
    this.line(line.text, line.overflow);
  }

  /** Hook: autobaud just locked on. */
  protected onSynced(): void {}

  private line(raw: string, overflow: boolean): void {
    const at = raw.search(/at/i);
    if (at < 0) return; // not a command: ignored without an answer
    const text = raw.slice(at);
    if (overflow || text.length > MAX_LINE) { this.error(); return; }
    this.counters.commands++;
    const cmd = parseCmd(text, this.backslashArgs);
    if (this.slow) {
      this.busyFor(this.slowFactor * this.maxTimeMs(cmd.name), () => this.exec(cmd));
    } else {
      this.exec(cmd);
    }
  }

  /** Switches to the data phase after `>`: the next `need` bytes (or up to Ctrl-Z) are data. */
  protected expectData(need: number | null, done: (data: Uint8Array, cancelled: boolean) => void): void {
    this.reader.expectData(need, this.echo && this.echoData, done);
  }

  // ---- TCP bridge ----------------------------------------------------

  /** Sends to the peer (held back during an outage). */
  protected netWrite(sock: net.Socket, data: Uint8Array): void {
    this.net.write(sock, data);
  }

  /** A real TCP (or TLS) connection for a link; handlers run only while this power epoch lasts. */
  protected openTcp(host: string, port: number, timeoutMs: number, h: TcpHandlers, secure?: TlsLink): net.Socket {
    return this.net.open(host, port, timeoutMs, h, secure);
  }

  /** Closes a bridged socket from the modem side (no handler runs). */
  protected dropSocket(sock: net.Socket | null, graceful = false): void {
    this.net.drop(sock, graceful);
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
