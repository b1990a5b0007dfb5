// `atmqtt sim --uart PATH`: the firmware's UART on an external byte stream
// instead of the built-in emulator: a serial device (a USB-serial adapter
// with a real SIM800/SIM900 or ESP-01 on it, or a pseudo-terminal) through
// the `serialport` package, or `tcp:HOST:PORT`, a raw byte stream (ser2net,
// an ESP-Link bridge, `atmqtt modem --raw`). The module's power pin (gpio
// 4 PWRKEY on SIMCom, 5 RESET on ESP) goes to the adapter's DTR or RTS line.
import net from 'node:net';
import type { Uart } from '../board/node/host.ts';
import { PIN_PWRKEY, PIN_RESET, type TraceDir } from './modem/types.ts';

export type PinLine = 'dtr' | 'rts' | 'none';

export interface UartLinkOptions {
  /** a serial device path, or tcp:HOST:PORT */
  path: string;
  /** the serial port's rate (the firmware may change it with uart_set_baud) */
  baud: number;
  /**
   * The adapter line wired to the module's power pin (PWRKEY on SIMCom,
   * RESET / CH_PD on ESP), through an NPN transistor that pulls the pin low
   * while the line's pin is high, i.e. while the line is NOT asserted
   * (docs/hardware.md): gpio level 0 → line deasserted, 1 → asserted.
   */
  pwrkey: PinLine;
  /** UART trace hook, as the emulator's (traceLog) */
  log?: (dir: TraceDir, bytes: Uint8Array) => void;
  /** a pin the firmware drove: to the line, or nowhere (`line: 'none'`, tcp:) */
  onPin?: (pin: number, level: number, line: PinLine) => void;
  /** a remark for the user (a line that cannot be set, the stream gone) */
  notice: (text: string) => void;
  /** the stream ended or failed after it was open */
  onClose: (why: string) => void;
}

/** Why a stream could not be opened, as one line for the user. */
export class UartOpenError extends Error {}

/** The part of a serialport SerialPort this file uses. */
interface SerialLike {
  write(data: Buffer): boolean;
  update(o: { baudRate: number }, cb: (err: Error | null) => void): void;
  set(o: { dtr?: boolean; rts?: boolean }, cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  drain(cb: (err: Error | null) => void): void;
  on(ev: 'data', cb: (d: Buffer) => void): void;
  on(ev: 'close' | 'error', cb: (e?: Error) => void): void;
  readonly isOpen: boolean;
}

/** One line for an error of opening a serial device, by its errno text. */
export function serialOpenMessage(path: string, e: Error): string {
  const m = e.message;
  if (/ENOENT|No such file/i.test(m)) return `--uart ${path}: no such port (adapter unplugged? see ls /dev/ttyUSB* /dev/ttyACM*)`;
  if (/EACCES|Permission denied/i.test(m)) return `--uart ${path}: permission denied (add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again)`;
  if (/lock|EBUSY|Resource (temporarily unavailable|busy)/i.test(m)) return `--uart ${path}: port in use by another program (a serial monitor, ModemManager, another atmqtt?)`;
  if (/ENOTTY|Inappropriate ioctl/i.test(m)) return `--uart ${path}: not a serial port`;
  return `--uart ${path}: ${m.replace(/^Error:?\s*/, '').split('\n')[0]}`;
}

/** The UART on an external stream; open() first. */
export class UartLink implements Uart {
  private readonly rx: Buffer[] = [];
  private rxLen = 0;
  private readonly listeners: (() => void)[] = [];
  private sock: net.Socket | null = null;
  private port: SerialLike | null = null;
  private baud: number;
  private closing = false;
  private lineWarned = false;

  constructor(private readonly o: UartLinkOptions) {
    this.baud = o.baud;
  }

  get isTcp(): boolean { return this.o.path.startsWith('tcp:'); }

  /** Opens the stream; rejects with a UartOpenError (one line) when it cannot. */
  async open(): Promise<void> {
    if (this.isTcp) await this.openTcp();
    else await this.openSerial();
  }

  private async openTcp(): Promise<void> {
    const m = /^tcp:(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(this.o.path);
    if (!m || Number(m[2]) > 65535) throw new UartOpenError(`--uart ${this.o.path}: want tcp:HOST:PORT`);
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => { s.destroy(); reject(new UartOpenError(`--uart ${this.o.path}: no answer within 5 s`)); }, 5000);
      s.once('connect', () => { clearTimeout(t); resolve(s); });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        const why = e.code === 'ECONNREFUSED' ? 'connection refused (is the bridge running?)'
          : e.code === 'ENOTFOUND' ? `no such host ${host}` : e.message;
        reject(new UartOpenError(`--uart ${this.o.path}: ${why}`));
      });
    });
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.received(d));
    sock.on('error', () => {});
    sock.on('close', () => { if (!this.closing) this.o.onClose(`${this.o.path}: the other end closed the stream`); });
    this.sock = sock;
  }

  private async openSerial(): Promise<void> {
    let SerialPort: new (o: { path: string; baudRate: number; autoOpen: boolean; hupcl: boolean }) => SerialLike & { open(cb: (e: Error | null) => void): void };
    try {
      // optional: only --uart with a device needs it
      ({ SerialPort } = await import('serialport') as unknown as { SerialPort: typeof SerialPort });
    } catch {
      throw new UartOpenError(`--uart ${this.o.path}: the serialport package is missing (npm install serialport)`);
    }
    // hupcl false: closing the port does not drop DTR (and with it the power pin)
    const port = new SerialPort({ path: this.o.path, baudRate: this.baud, autoOpen: false, hupcl: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(new UartOpenError(serialOpenMessage(this.o.path, e))) : resolve())));
    port.on('data', (d: Buffer) => this.received(d));
    port.on('error', (e?: Error) => { if (!this.closing) this.o.notice(`--uart ${this.o.path}: ${e?.message ?? 'error'}`); });
    port.on('close', () => { if (!this.closing) this.o.onClose(`${this.o.path}: the port went away (adapter unplugged?)`); });
    this.port = port;
    // the power pin released: the line asserted (see pwrkey above)
    if (this.o.pwrkey !== 'none') this.setLine(1);
  }

  private received(d: Buffer): void {
    if (d.length === 0) return;
    this.o.log?.('mdm->dev', d);
    this.rx.push(d);
    this.rxLen += d.length;
    for (const cb of this.listeners) cb();
  }

  // ---- Uart --------------------------------------------------------------

  write(data: Uint8Array): number {
    if (this.closing) return data.length;
    const b = Buffer.from(data);
    this.o.log?.('dev->mdm', b);
    if (this.sock) this.sock.write(b);
    else this.port?.write(b);
    return data.length;
  }

  read(max: number): Uint8Array {
    if (this.rxLen === 0 || max <= 0) return new Uint8Array(0);
    const out = new Uint8Array(Math.min(max, this.rxLen));
    let off = 0;
    while (off < out.length) {
      const c = this.rx[0]!;
      const n = Math.min(c.length, out.length - off);
      out.set(c.subarray(0, n), off);
      off += n;
      if (n === c.length) this.rx.shift();
      else this.rx[0] = c.subarray(n);
    }
    this.rxLen -= out.length;
    return out;
  }

  setBaud(baud: number): void {
    if (!(baud > 0) || baud === this.baud) return;
    this.baud = baud;
    // a raw TCP stream has no rate (RFC 2217 is not spoken)
    this.port?.update({ baudRate: baud }, (e) => { if (e) this.o.notice(`--uart ${this.o.path}: cannot set ${baud} baud: ${e.message}`); });
  }

  gpio(pin: number, level: number): void {
    if (pin !== PIN_PWRKEY && pin !== PIN_RESET) return;
    const line: PinLine = this.port ? this.o.pwrkey : 'none';
    this.o.onPin?.(pin, level, line);
    if (line !== 'none') this.setLine(level);
  }

  private setLine(level: number): void {
    const line = this.o.pwrkey;
    if (!this.port || line === 'none') return;
    this.port.set({ [line]: level !== 0 }, (e) => {
      if (e && !this.lineWarned) {
        this.lineWarned = true;
        this.o.notice(`--uart ${this.o.path}: cannot set ${line.toUpperCase()} (${e.message.replace(/^Error:?\s*/, '')}); the power pin is not driven`);
      }
    });
  }

  onReadable(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** Closes the stream; bytes written before are flushed first (bounded). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const s = this.sock;
    if (s) await new Promise<void>((r) => { const t = setTimeout(() => { s.destroy(); r(); }, 1000); s.end(() => { clearTimeout(t); r(); }); });
    const p = this.port;
    if (p?.isOpen) await new Promise<void>((r) => { const t = setTimeout(r, 1000); p.drain(() => p.close(() => { clearTimeout(t); r(); })); });
  }
}
