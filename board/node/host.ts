// The Node host: runs build/atmqtt.wasm in V8 and implements every import
// of board/ABI.md, with host sockets on node:net and node:tls
// (sockets.ts). Used by the simulator, the tests and the benchmarks.
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ERROR_NAMES, ERROR_TEXT, CONNACK_NAMES, CONFIG_KEYS, EVENT } from './abi.ts';
import { V8Engine, Wasm3Engine, type Engine } from './engine.ts';
import { HostSockets } from './sockets.ts';
import { BoardPins } from './pins.ts';

export const DEFAULT_WASM = fileURLToPath(new URL('../../build/atmqtt.wasm', import.meta.url));

export type Config = Partial<Record<keyof typeof CONFIG_KEYS, string | number | boolean>>;

export type HostEvent =
  | { event: 'connected'; sessionPresent: boolean }
  | { event: 'disconnected'; reason: string }
  | { event: 'subscribed'; filter: string; granted: number; packetId: number }
  | { event: 'unsubscribed'; filter: string | null; packetId: number }
  | { event: 'published'; topic: string; qos: number; packetId: number }
  | { event: 'error'; code: string; message: string; detail: number; reason?: string }
  /** An app's output pin changed (board I/O, pins.ts). */
  | { event: 'pin'; pin: number; value: number };

/** The host event of one `event` import call (board/ABI.md); text is its
 * bytes as UTF-8, null when it has none. Boards' consoles (sim/board)
 * decode their `E` lines with it too. */
export function decodeEvent(kind: number, a: number, b: number, text: string | null): HostEvent | null {
  switch (kind) {
    case EVENT.connected: return { event: 'connected', sessionPresent: a === 1 };
    case EVENT.disconnected: return { event: 'disconnected', reason: a === 0 ? 'requested' : errorName(a) };
    case EVENT.subscribed: return { event: 'subscribed', filter: text ?? '', granted: b, packetId: a };
    case EVENT.unsubscribed: return { event: 'unsubscribed', filter: text, packetId: a };
    case EVENT.published: return { event: 'published', topic: text ?? '', qos: b, packetId: a };
    case EVENT.error: {
      const t = text ?? (ERROR_TEXT[a] ?? errorName(a));
      const e: HostEvent = { event: 'error', code: errorName(a), message: b !== 0 ? `${t}: ${b}` : t, detail: b };
      if (a === -15 && CONNACK_NAMES[b]) e.reason = CONNACK_NAMES[b];
      return e;
    }
  }
  return null;
}

export interface Message {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
}

/** The board's UART and modem control pins, as a modem (or its emulator) sees them. */
export interface Uart {
  write(data: Uint8Array): number;
  read(max: number): Uint8Array;
  setBaud(baud: number): void;
  gpio(pin: number, level: number): void;
  onReadable(cb: () => void): void;
}

export interface HostOptions {
  wasmPath?: string;
  /** v8 (default): Node's own WebAssembly; wasm3: the wasm3 0.5.0 interpreter (pywasm3). */
  runtime?: 'v8' | 'wasm3';
  /** RAM budget in bytes, enforced by the guard on an instrumented module (--guard). */
  ramBudget?: number;
  /** The modem on the UART (--modem); without it the UART is silent. */
  uart?: Uart;
  config: Config;
  /** PEM text of the CA in slot 0 for TLS (--ca); unset: Node's default trust store. */
  ca?: string;
  onEvent?: (e: HostEvent) => void;
  onMessage?: (m: Message) => void;
  onLog?: (level: number, text: string) => void;
  /** The clock behind the millis import, in ms (default Date.now); the soak injects a virtual one. */
  now?: () => number;
}

interface Exports {
  /** V8 only: the module's memory. */
  memory?: WebAssembly.Memory;
  setup(): number;
  loop(): number;
  api_buffer(): number;
  api_buffer_size(): number;
  publish(topicLen: number, payloadLen: number, qos: number, retain: number): number;
  subscribe(len: number): number;
  unsubscribe(len: number): number;
  connect(): void;
  disconnect(): void;
  state(): number;
  pending(): number;
  counter(i: number): number;
  set_reading(ch: number, v: number): void;
  // probe build only (--exportRuntime)
  __new?: (size: number, id: number) => number;
}

export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `error${code}`;
}

const EXPORTS = ['setup', 'loop', 'api_buffer', 'api_buffer_size', 'publish', 'subscribe', 'unsubscribe',
  'connect', 'disconnect', 'state', 'pending', 'counter', 'set_reading'] as const;

export class NodeHost {
  readonly exports: Exports;
  readonly engine: Engine;
  /** The board's pins, ADC channels and I2C devices, as apps see them. */
  readonly pins: BoardPins;
  private readonly opts: HostOptions;
  private readonly socks: HostSockets;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private running = false;
  private readonly now: () => number;
  private readonly t0: number;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder();
  loops = 0;

  constructor(opts: HostOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.t0 = this.now();
    this.pins = new BoardPins((pin, value) => opts.onEvent?.({ event: 'pin', pin, value }));
    this.socks = new HostSockets({
      ca: opts.ca,
      log: (level, text) => opts.onLog?.(level, text),
      wake: () => this.wake(),
    });
    const path = opts.wasmPath ?? DEFAULT_WASM;
    const engine = opts.runtime === 'wasm3'
      ? new Wasm3Engine(path, this.imports(), opts.ramBudget)
      : new V8Engine(path, this.imports(), opts.ramBudget);
    this.engine = engine;
    const calls: Record<string, unknown> = {};
    for (const name of EXPORTS) calls[name] = (...a: number[]) => engine.call(name, ...a);
    if (engine instanceof V8Engine) {
      calls.memory = engine.exports.memory;
      calls.__new = engine.exports.__new;
    }
    this.exports = calls as unknown as Exports;
    opts.uart?.onReadable(() => this.wake());
  }

  private text(ptr: number, len: number): string {
    return this.dec.decode(this.engine.read(ptr, len));
  }

  private imports(): Record<string, (...a: number[]) => number | void> {
    return {
      millis: () => (this.now() - this.t0) >>> 0,
      uart_write: (p, n) => this.opts.uart?.write(this.engine.read(p, n)) ?? 0,
      uart_read: (p, max) => {
        const d = this.opts.uart?.read(max);
        if (!d || d.length === 0) return 0;
        this.engine.write(p, d);
        return d.length;
      },
      uart_set_baud: (b) => { this.opts.uart?.setBaud(b); },
      gpio_write: (pin, level) => { this.opts.uart?.gpio(pin, level); },
      sock_open: (hp, hl, port, flags) => this.socks.open(this.text(hp, hl), port, flags),
      sock_write: (h, p, n) => this.socks.write(h, () => this.engine.read(p, n)),
      sock_read: (h, p, max) => this.socks.read(h, max, (off, bytes) => this.engine.write(p + off, bytes)),
      sock_state: (h) => this.socks.state(h),
      sock_close: (h) => this.socks.close(h),
      random_fill: (p, n) => { this.engine.write(p, randomFillSync(new Uint8Array(n))); },
      log: (level, p, n) => this.opts.onLog?.(level, this.text(p, n)),
      config_read: (key, p, max) => this.configRead(key, p, max),
      event: (kind, a, b, p, n) => this.onEvent(kind, a, b, p, n),
      pin_mode: (pin, mode) => this.pins.pinMode(pin, mode),
      pin_read: (pin) => this.pins.pinRead(pin),
      pin_write: (pin, level) => this.pins.pinWrite(pin, level),
      adc_read: (ch) => this.pins.adcRead(ch),
      i2c_xfer: (addr, wp, wl, rp, rl) => {
        const r = this.pins.i2cXfer(addr, this.engine.read(wp, wl), rl);
        if (r.data) this.engine.write(rp, r.data);
        return r.n;
      },
      message: (tp, tl, pp, pl, flags) => this.opts.onMessage?.({
        topic: this.text(tp, tl),
        payload: Buffer.from(this.engine.read(pp, pl)),
        qos: flags & 3,
        retain: (flags & 4) !== 0,
        dup: (flags & 8) !== 0,
      }),
    };
  }

  private configRead(key: number, ptr: number, max: number): number {
    const name = (Object.keys(CONFIG_KEYS) as (keyof typeof CONFIG_KEYS)[]).find((k) => CONFIG_KEYS[k] === key);
    const v = name === undefined ? undefined : this.opts.config[name];
    if (v === undefined) return -1;
    const bytes = this.enc.encode(typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    this.engine.write(ptr, bytes.subarray(0, max));
    return bytes.length;
  }

  private onEvent(kind: number, a: number, b: number, p: number, n: number): void {
    const cb = this.opts.onEvent;
    if (!cb) return;
    const e = decodeEvent(kind, a, b, n > 0 ? this.text(p, n) : null);
    if (e) cb(e);
  }

  /** Cuts every link at once, as a lost network would: no DISCONNECT. */
  dropLinks(): void {
    this.socks.dropAll();
  }

  // ---- the loop ------------------------------------------------------

  /** Calls setup(); returns its result (0 or an error code). */
  setup(): number {
    return this.exports.setup();
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.socks.closeAll();
    this.engine.close();
  }

  /** Runs loop() soon: data arrived, a command was given. */
  wake(): void {
    if (!this.running || this.immediate) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.immediate = setImmediate(() => this.tick());
  }

  private tick(): void {
    this.immediate = null;
    if (!this.running) return;
    const sleep = this.exports.loop() >>> 0;
    this.loops++;
    if (!this.running || this.immediate) return;
    if (sleep === 0) this.immediate = setImmediate(() => this.tick());
    else this.timer = setTimeout(() => { this.timer = null; this.tick(); }, Math.min(sleep, 1000));
  }

  // ---- the app API ---------------------------------------------------

  private apiWrite(bytes: Uint8Array): number {
    const size = this.exports.api_buffer_size();
    if (bytes.length > size) return -10;
    this.engine.write(this.exports.api_buffer(), bytes);
    return bytes.length;
  }

  /** Packet id (0 for QoS 0) or a negative error code. */
  publish(topic: string, payload: Uint8Array | string, qos: number, retain: boolean): number {
    const t = this.enc.encode(topic);
    const p = typeof payload === 'string' ? this.enc.encode(payload) : payload;
    const buf = new Uint8Array(t.length + p.length);
    buf.set(t);
    buf.set(p, t.length);
    if (this.apiWrite(buf) < 0) return -6;
    const r = this.exports.publish(t.length, p.length, qos, retain ? 1 : 0);
    this.wake();
    return r;
  }

  subscribe(filters: { filter: string; qos: number }[]): number {
    const parts: number[] = [];
    for (const f of filters) {
      const b = this.enc.encode(f.filter);
      parts.push(b.length >> 8, b.length & 255, ...b, f.qos);
    }
    const n = this.apiWrite(Uint8Array.from(parts));
    if (n < 0) return n;
    const r = this.exports.subscribe(n);
    this.wake();
    return r;
  }

  unsubscribe(filters: string[]): number {
    const parts: number[] = [];
    for (const f of filters) {
      const b = this.enc.encode(f);
      parts.push(b.length >> 8, b.length & 255, ...b);
    }
    const n = this.apiWrite(Uint8Array.from(parts));
    if (n < 0) return n;
    const r = this.exports.unsubscribe(n);
    this.wake();
    return r;
  }

  connect(): void { this.exports.connect(); this.wake(); }
  disconnect(): void { this.exports.disconnect(); this.wake(); }
  state(): number { return this.exports.state(); }
  pending(): number { return this.exports.pending(); }
  counter(i: number): number { return this.exports.counter(i) >>> 0; }
  /** A sensor reading for the telemetry app: 0 temperature (0.1 °C), 1 humidity (0.1 %), 2 battery (mV). */
  setReading(ch: number, v: number): void { this.exports.set_reading(ch, v | 0); }
}
