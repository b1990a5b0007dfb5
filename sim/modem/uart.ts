// The UART between the device and the modem: 8N1 (10 bits a byte) paced in
// both directions, plus the device's RX FIFO, which overruns like a real
// one when the firmware does not drain it in time.
import type { ModemTimers } from './types.ts';

interface Chunk {
  data: Uint8Array;
  /** when the first bit of data[0] went on the line */
  start: number;
  /** ms per byte */
  byteMs: number;
  /** bytes already arrived and handed on */
  taken: number;
}

export const msPerByte = (baud: number): number => 10000 / baud;

/** One direction of the wire: bytes go on in order and arrive one byte time apart. */
export class Line {
  private chunks: Chunk[] = [];
  private freeAt = -Infinity;

  push(data: Uint8Array, baud: number, now: number): void {
    if (data.length === 0) return;
    const byteMs = msPerByte(baud);
    const start = Math.max(now, this.freeAt);
    this.chunks.push({ data, start, byteMs, taken: 0 });
    this.freeAt = start + data.length * byteMs;
  }

  /** Removes and returns every byte that has fully arrived by `now`. */
  take(now: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const n = Math.min(c.data.length, Math.floor((now - c.start) / c.byteMs + 1e-6));
      if (n > c.taken) {
        out.push(c.data.subarray(c.taken, n));
        c.taken = n;
      }
      if (c.taken < c.data.length) break;
      this.chunks.shift();
    }
    return out;
  }

  /** When the next byte arrives, or null when the line is idle. */
  nextArrival(): number | null {
    const c = this.chunks[0];
    return c ? c.start + (c.taken + 1) * c.byteMs : null;
  }

  /** When the last queued byte will have arrived. */
  idleAt(now: number): number {
    return Math.max(now, this.freeAt);
  }

  pending(): number {
    let n = 0;
    for (const c of this.chunks) n += c.data.length - c.taken;
    return n;
  }

  /** The bytes not yet arrived continue at another rate from now on. */
  retime(baud: number, now: number): void {
    const rest: Uint8Array[] = this.chunks.map((c) => c.data.subarray(c.taken));
    this.chunks = [];
    this.freeAt = -Infinity;
    const total = rest.reduce((n, r) => n + r.length, 0);
    if (total === 0) return;
    const all = new Uint8Array(total);
    let o = 0;
    for (const r of rest) { all.set(r, o); o += r.length; }
    this.push(all, baud, now);
  }

  /** Drops everything not yet arrived (the sender lost power). */
  cut(): void {
    this.chunks = [];
    this.freeAt = -Infinity;
  }
}

export class Uart {
  readonly toDevice = new Line();
  readonly toModem = new Line();
  /** the device's UART rate (uart_set_baud) */
  devBaud: number;
  /** the modem's UART rate */
  mdmBaud: number;
  overruns = 0;
  private fifo: Uint8Array[] = [];
  private fifoLen = 0;
  private arrived = 0;
  private notified = 0;
  private timer: unknown = null;
  private timerDue = Infinity;
  private readonly listeners: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly now: () => number,
    private readonly timers: ModemTimers,
    private readonly fifoCap: number | undefined,
    private readonly deliver: (bytes: Uint8Array) => void,
    private readonly tickMs: number,
    baud: number,
  ) {
    this.devBaud = baud;
    this.mdmBaud = baud;
  }

  onReadable(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** The modem sends bytes toward the device. */
  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.toDevice.push(bytes, this.mdmBaud, this.now());
    this.schedule();
  }

  /** The device sends bytes toward the modem. */
  write(bytes: Uint8Array): void {
    if (this.closed) return;
    this.toModem.push(bytes, this.devBaud, this.now());
    this.schedule();
  }

  /** The device reads what has arrived in its FIFO. */
  read(max: number): Uint8Array {
    this.settle(this.now());
    const n = Math.min(Math.max(0, max | 0), this.fifoLen);
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const head = this.fifo[0]!;
      const k = Math.min(head.length, n - o);
      out.set(head.subarray(0, k), o);
      o += k;
      if (k === head.length) this.fifo.shift();
      else this.fifo[0] = head.subarray(k);
    }
    this.fifoLen -= n;
    this.notified = this.arrived;
    return out;
  }

  /** Bytes waiting in the device FIFO right now. */
  readable(): number {
    this.settle(this.now());
    return this.fifoLen;
  }

  setDeviceBaud(baud: number): void {
    const now = this.now();
    this.pump();
    this.devBaud = baud;
    this.toModem.retime(baud, now);
    this.schedule();
  }

  setModemBaud(baud: number): void {
    const now = this.now();
    this.settle(now);
    this.mdmBaud = baud;
    this.toDevice.retime(baud, now);
    this.schedule();
  }

  /** When every byte queued toward the device will have arrived. */
  txIdleAt(): number {
    return this.toDevice.idleAt(this.now());
  }

  /** The modem lost power: what it had not sent yet is gone. */
  cutTx(): void {
    this.settle(this.now());
    this.toDevice.cut();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.toDevice.cut();
    this.toModem.cut();
  }

  /** Moves arrived bytes into the device FIFO, dropping what does not fit. */
  private settle(now: number): void {
    for (const part of this.toDevice.take(now)) {
      this.arrived += part.length;
      let keep = part.length;
      if (this.fifoCap !== undefined) {
        keep = Math.max(0, Math.min(part.length, this.fifoCap - this.fifoLen));
        this.overruns += part.length - keep;
      }
      if (keep > 0) {
        this.fifo.push(part.slice(0, keep));
        this.fifoLen += keep;
      }
    }
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    this.settle(now);
    for (const part of this.toModem.take(now)) this.deliver(part);
    if (this.closed) return;
    if (this.arrived > this.notified && this.fifoLen > 0) {
      this.notified = this.arrived;
      for (const cb of this.listeners) cb();
    }
  }

  private schedule(): void {
    if (this.closed) return;
    const a = this.toDevice.nextArrival();
    const b = this.toModem.nextArrival();
    if (a === null && b === null) return;
    const now = this.now();
    const due = Math.max(Math.min(a ?? Infinity, b ?? Infinity), now + this.tickMs);
    if (this.timer !== null) {
      if (this.timerDue <= due) return;
      this.timers.clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      this.pump();
      this.schedule();
    }, due - now);
  }
}
