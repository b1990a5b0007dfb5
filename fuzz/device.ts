// A whole device for fuzzing: the real module (release or RAM-guarded
// build) in V8 with every import of board/ABI.md answered in this process,
// deterministically: a virtual clock, seeded randomness, one scripted host
// socket and a scripted UART. Inputs reach the module only through its real
// entry points (setup, loop, the socket and UART imports, config_read).
import { readFileSync } from 'node:fs';
import { memoryGuard } from '../board/node/engine.ts';
import { CONFIG_KEYS, EVENT } from '../board/node/abi.ts';
import { BoardPins } from '../board/node/pins.ts';
import { PROFILES, logExpander, type ProfileName } from '../sim/profile.ts';

export type Config = Partial<Record<keyof typeof CONFIG_KEYS, string>>;

/** A broken property: what, plus the device's recent log for the report. */
export class PropertyError extends Error {}

const modules = new Map<string, WebAssembly.Module>();
function compiled(path: string): WebAssembly.Module {
  let m = modules.get(path);
  if (!m) { m = new WebAssembly.Module(readFileSync(path)); modules.set(path, m); }
  return m;
}

export interface DeviceOptions {
  profile?: ProfileName;
  /** the RAM-guarded build: any access past the profile's budget throws */
  guard?: boolean;
  config: Config;
  /** log lines kept for a failure's report (40) */
  keepLogs?: number;
  /** memory accesses allowed in one loop() call before it counts as a hang (guarded builds) */
  accessBudget?: number;
}

/** The host socket as the module sees it; the target scripts the peer. */
export class ScriptSocket {
  state = 0; // 0 connecting, 1 open, 2 closed by peer, <0 error
  /** bytes for the device */
  inbox: Uint8Array[] = [];
  /** what the device wrote */
  written: number[] = [];
  opens = 0;
  closed = false;
  host = '';
  port = 0;
  feed(b: Uint8Array): void { if (b.length > 0) this.inbox.push(b); }
  take(): Uint8Array { const w = Uint8Array.from(this.written); this.written = []; return w; }
}

/** The UART as the module sees it; the target scripts the modem. */
export class ScriptUart {
  inbox: Uint8Array[] = [];
  written: number[] = [];
  baud = 0;
  pins: [number, number][] = [];
  feed(b: Uint8Array): void { if (b.length > 0) this.inbox.push(b); }
  take(): Uint8Array { const w = Uint8Array.from(this.written); this.written = []; return w; }
}

export class Device {
  now = 1000;
  readonly sock = new ScriptSocket();
  readonly uart = new ScriptUart();
  /** The app's board I/O (the telemetry app drives its output pin), as the Node host has it. */
  readonly pins = new BoardPins();
  readonly events: { kind: number; a: number; b: number; text: string }[] = [];
  readonly messages: { topic: string; payload: Uint8Array; flags: number }[] = [];
  readonly logs: string[] = [];
  loops = 0;
  private readonly mem: WebAssembly.Memory;
  private readonly ex: Record<string, (...a: number[]) => number>;
  private accesses = 0;
  private readonly dec = new TextDecoder();
  private rng: number;
  /** the small build's log ids back to their texts */
  private readonly expand: (s: string) => string;

  constructor(private readonly o: DeviceOptions, seed = 1) {
    this.rng = seed >>> 0 || 1;
    const p = PROFILES[o.profile ?? 'default'];
    this.expand = logExpander(p);
    const mod = compiled(o.guard ? p.guarded : p.wasm);
    const budget = p.budget;
    const limit = o.accessBudget ?? 20_000_000;
    const env: Record<string, (...a: number[]) => number> = {};
    if (o.guard) {
      const g = memoryGuard(budget) as Record<string, (...a: number[]) => number>;
      for (const [k, f] of Object.entries(g)) env[k] = f;
      // every access counts toward this loop() call's work: a runaway loop is a hang
      const count = (f: (...a: number[]) => number) => (...a: number[]): number => {
        if (++this.accesses > limit) throw new PropertyError(`hang: more than ${limit} memory accesses in one call`);
        return f(...a);
      };
      env.load_ptr = count(env.load_ptr!);
      env.store_ptr = count(env.store_ptr!);
    }
    const inst = new WebAssembly.Instance(mod, { host: this.imports(), env });
    this.ex = inst.exports as unknown as Record<string, (...a: number[]) => number>;
    this.mem = inst.exports.memory as WebAssembly.Memory;
  }

  private bytes(p: number, n: number): Uint8Array { return new Uint8Array(this.mem.buffer, p >>> 0, n); }
  private text(p: number, n: number): string { return this.dec.decode(this.bytes(p, n)); }

  private take(q: Uint8Array[], p: number, max: number): number {
    let k = 0;
    while (k < max && q.length > 0) {
      const head = q[0]!;
      const n = Math.min(head.length, max - k);
      this.bytes(p + k, n).set(head.subarray(0, n));
      k += n;
      if (n === head.length) q.shift(); else q[0] = head.subarray(n);
    }
    return k;
  }

  private imports(): Record<string, (...a: number[]) => number | void> {
    const s = this.sock;
    const u = this.uart;
    return {
      millis: () => this.now >>> 0,
      uart_write: (p, n) => { for (const b of this.bytes(p, n)) u.written.push(b); return n; },
      uart_read: (p, max) => this.take(u.inbox, p, max),
      uart_set_baud: (b) => { u.baud = b; },
      gpio_write: (pin, level) => { u.pins.push([pin, level]); },
      pin_mode: (pin, mode) => this.pins.pinMode(pin, mode),
      pin_read: (pin) => this.pins.pinRead(pin),
      pin_write: (pin, level) => this.pins.pinWrite(pin, level),
      adc_read: (ch) => this.pins.adcRead(ch),
      i2c_xfer: (addr, wp, wl, rp, rl) => {
        const r = this.pins.i2cXfer(addr, this.bytes(wp, wl).slice(), rl);
        if (r.data) this.bytes(rp, r.data.length).set(r.data);
        return r.n;
      },
      sock_open: (hp, hl, port) => {
        s.host = this.text(hp, hl); s.port = port; s.opens++; s.state = 0; s.closed = false;
        s.inbox = []; s.written = [];
        return 1;
      },
      sock_write: (_h, p, n) => {
        if (s.state !== 1) return s.state === 0 ? 0 : -12;
        for (const b of this.bytes(p, n)) s.written.push(b);
        return n;
      },
      sock_read: (_h, p, max) => {
        const k = this.take(s.inbox, p, max);
        if (k > 0) return k;
        return s.state === 1 || s.state === 0 ? 0 : -12;
      },
      sock_state: () => s.state,
      sock_close: () => { s.closed = true; s.state = -12; s.inbox = []; },
      random_fill: (p, n) => {
        const b = this.bytes(p, n);
        for (let i = 0; i < n; i++) { this.rng ^= this.rng << 13; this.rng ^= this.rng >>> 17; this.rng ^= this.rng << 5; b[i] = this.rng & 0xff; }
      },
      log: (level, p, n) => {
        this.logs.push(`${this.now} ${level} ${this.expand(this.text(p, n))}`);
        if (this.logs.length > (this.o.keepLogs ?? Number(process.env.FUZZ_KEEP_LOGS ?? 40))) this.logs.shift();
      },
      config_read: (key, p, max) => {
        const name = (Object.keys(CONFIG_KEYS) as (keyof typeof CONFIG_KEYS)[]).find((k) => CONFIG_KEYS[k] === key);
        const v = name === undefined ? undefined : this.o.config[name];
        if (v === undefined) return -1;
        const b = Buffer.from(v, 'latin1');
        this.bytes(p, Math.min(max, b.length)).set(b.subarray(0, max));
        return b.length;
      },
      event: (kind, a, b, p, n) => { this.events.push({ kind, a, b, text: n > 0 ? this.text(p, n) : '' }); },
      message: (tp, tl, pp, pl, flags) => {
        this.messages.push({ topic: this.text(tp, tl), payload: Uint8Array.from(this.bytes(pp, pl)), flags });
      },
    };
  }

  setup(): number {
    this.accesses = 0;
    return this.ex.setup!() | 0;
  }

  /** One loop() step; advances the clock by what it asked for, at most maxMs (at least 1). */
  step(maxMs = 50): number {
    this.accesses = 0;
    const sleep = this.ex.loop!() >>> 0;
    this.loops++;
    this.now += Math.max(1, Math.min(sleep, maxMs));
    this.checkInvariants();
    return sleep;
  }

  /** Steps until cond holds or the virtual time runs out; true when it held. */
  until(cond: () => boolean, virtualMs: number, maxStepMs = 50, between?: () => void): boolean {
    const end = this.now + virtualMs;
    while (this.now < end) {
      between?.();
      if (cond()) return true;
      this.step(maxStepMs);
    }
    return cond();
  }

  state(): number { return this.ex.state!() | 0; }
  pending(): number { return this.ex.pending!() | 0; }
  counter(i: number): number { return this.ex.counter!(i) >>> 0; }
  connected(): boolean { return this.state() === 4; }
  lastEvent(kind: number): { kind: number; a: number; b: number; text: string } | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]!.kind === kind) return this.events[i];
    return undefined;
  }
  connectedEvents(): number { return this.events.filter((e) => e.kind === EVENT.connected).length; }

  /** Publishes through the API buffer, as a host does. */
  publish(topic: string, payload: Uint8Array, qos: number): number {
    const t = Buffer.from(topic);
    const buf = this.ex.api_buffer!() >>> 0;
    if (t.length + payload.length > (this.ex.api_buffer_size!() | 0)) return -10;
    this.bytes(buf, t.length).set(t);
    this.bytes(buf + t.length, payload.length).set(payload);
    this.accesses = 0;
    return this.ex.publish!(t.length, payload.length, qos, 0) | 0;
  }

  private lastCounters: number[] = [];
  /** What must hold after every step, whatever the input. */
  checkInvariants(): void {
    const st = this.state();
    if (st < 0 || st > 5) throw new PropertyError(`state ${st} out of range`);
    const pend = this.pending();
    if (pend < 0 || pend > 64) throw new PropertyError(`pending ${pend} out of range`);
    for (let i = 0; i < 7; i++) {
      const c = this.counter(i);
      if (this.lastCounters[i] !== undefined && c < this.lastCounters[i]!) throw new PropertyError(`counter ${i} went back: ${this.lastCounters[i]} -> ${c}`);
      this.lastCounters[i] = c;
    }
  }

  describe(): string {
    return `state ${this.state()}, pending ${this.pending()}, ${this.loops} loops, t=${this.now} ms; log:\n  ${this.logs.slice(-Number(process.env.FUZZ_KEEP_LOGS ?? 12)).join('\n  ')}`;
  }
}
