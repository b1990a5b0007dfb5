// A scripted device for the modem emulator tests: it plays the firmware's
// side of the UART (reads when told bytes are readable, writes commands)
// and waits, always bounded, for what the modem says.
import net from 'node:net';
import type { TestContext } from 'node:test';
import { createModem, kindInfo, type ModemEmulator, type ModemOptions, type ModemTiming } from '../../sim/modem/index.ts';

/** Short boot and command delays so the suite stays fast. */
export const FAST: Partial<ModemTiming> = {
  simGarbageMs: 5, simRdyMs: 20, simCfunMs: 25, registerMs: 40, simCallReadyMs: 50,
  ciicrMs: 30, shutMs: 10, cgattMs: 5, connectMs: 5, sendOkMs: 10, closeMs: 5,
  espGarbageMs: 5, espReadyMs: 20, cwjapMs: 60, cwjapFailMs: 60, espReconnectMs: 200, espRstMs: 10, espSendOkMs: 5,
  stormMs: 1500,
};

export class ModemDevice {
  readonly modem: ModemEmulator;
  /** everything the device has read, in order */
  rx: Buffer = Buffer.alloc(0);
  /** where the next expect() starts looking */
  cursor = 0;
  /** when true the device does not read on notifications (a busy firmware) */
  paused = false;
  notifications = 0;
  readonly eol: string;
  private readonly waiters = new Set<() => void>();

  constructor(modem: ModemEmulator, eol: string) {
    this.modem = modem;
    this.eol = eol;
    modem.onReadable(() => {
      this.notifications++;
      if (!this.paused) this.pull();
    });
  }

  /** Reads everything readable now. */
  pull(max = 4096): number {
    let total = 0;
    for (;;) {
      const b = this.modem.read(max);
      if (b.length === 0) break;
      this.rx = Buffer.concat([this.rx, b]);
      total += b.length;
    }
    if (total > 0) for (const w of [...this.waiters]) w();
    return total;
  }

  send(data: string | Uint8Array): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const n = this.modem.write(b);
    if (n !== b.length) throw new Error(`modem took ${n} of ${b.length} bytes`);
  }

  /** Text read since `from` (default: the cursor). */
  text(from = this.cursor): string {
    return this.rx.subarray(from).toString('latin1');
  }

  /** Moves the cursor to the end of what was read. */
  consumed(): void {
    this.cursor = this.rx.length;
  }

  /** Waits until cond(text since cursor) is not null, up to timeoutMs. */
  waitFor<T>(cond: (text: string) => T | null, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const r = cond(this.text());
        if (r === null) return false;
        clearTimeout(timer);
        this.waiters.delete(listener);
        resolve(r);
        return true;
      };
      const listener = (): void => { check(); };
      const timer = setTimeout(() => {
        this.waiters.delete(listener);
        reject(new Error(`device: no ${what} within ${timeoutMs} ms; since cursor: ${JSON.stringify(this.text())}`));
      }, timeoutMs);
      this.waiters.add(listener);
      check();
    });
  }

  /** Waits for a pattern after the cursor; returns the text up to and including it and moves the cursor past it. */
  async expect(pattern: string | RegExp, timeoutMs = 2000): Promise<string> {
    const re = typeof pattern === 'string' ? new RegExp(escapeRe(pattern)) : pattern;
    const m = await this.waitFor((t) => {
      const r = re.exec(t);
      return r ? r.index + r[0].length : null;
    }, timeoutMs, String(pattern));
    const out = this.text().slice(0, m);
    this.cursor += m;
    return out;
  }

  /** Sends an AT command and waits for its final result (OK / ERROR / FAIL by default). */
  async cmd(line: string, final: RegExp = /\r\n(OK|ERROR|FAIL)\r\n/, timeoutMs = 3000): Promise<string> {
    this.consumed();
    this.send(line + this.eol);
    return this.expect(final, timeoutMs);
  }

  /** Waits until `pattern` occurs anywhere after byte `from` (the cursor does not move). */
  async seen(pattern: string, from: number, timeoutMs = 2000): Promise<void> {
    await this.waitFor(() => (this.rx.subarray(from).toString('latin1').includes(pattern) ? true : null), timeoutMs, `${pattern} after ${from}`);
  }

  /** Waits until n raw bytes follow the cursor; returns them and moves the cursor. */
  async readExact(n: number, timeoutMs = 3000): Promise<Buffer> {
    await this.waitFor((t) => (t.length >= n ? true : null), timeoutMs, `${n} bytes`);
    const b = this.rx.subarray(this.cursor, this.cursor + n);
    this.cursor += n;
    return Buffer.from(b);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Creates a modem and a device on it; both are closed after the test. */
export function device(t: TestContext, opts: ModemOptions): ModemDevice {
  // the emulator tests script the boot output exactly: Call Ready on time
  const modem = createModem({ timing: FAST, lateReady: 0, ...opts });
  t.after(() => modem.close());
  return new ModemDevice(modem, kindInfo(opts.kind).eol);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface EchoServer {
  port: number;
  /** sockets accepted so far */
  sockets: net.Socket[];
  /** bytes received per connection */
  received: Buffer[];
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that echoes, or runs onConnect instead. */
export async function startEcho(t: TestContext, onConnect?: (s: net.Socket, index: number) => void): Promise<EchoServer> {
  const sockets: net.Socket[] = [];
  const received: Buffer[] = [];
  const server = net.createServer((s) => {
    const i = sockets.length;
    sockets.push(s);
    received.push(Buffer.alloc(0));
    s.on('error', () => {});
    s.on('data', (d) => { received[i] = Buffer.concat([received[i]!, d]); });
    if (onConnect) onConnect(s, i);
    else s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const close = (): Promise<void> => new Promise((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  });
  t.after(close);
  return { port, sockets, received, close };
}

/** A port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The common SIM bring-up (multi-IP, manual receive, quick send); returns the local IP. */
export async function simBringUp(d: ModemDevice, o: { mux?: 0 | 1; rxget?: 0 | 1; qsend?: 0 | 1; apn?: string } = {}): Promise<string> {
  await d.seen('SMS Ready', 0, 3000);
  const ok = async (c: string, final?: RegExp): Promise<string> => {
    const r = await d.cmd(c, final);
    if (/ERROR/.test(r)) throw new Error(`${c} → ${JSON.stringify(r)}`);
    return r;
  };
  await ok('ATE0');
  await ok('AT+CMEE=2');
  for (let i = 0; i < 50; i++) {
    const r = await ok('AT+CREG?');
    if (/\+CREG: \d,[15]/.test(r)) break;
    await sleep(20);
  }
  await ok('AT+CIPSHUT', /\r\n(SHUT OK|ERROR)\r\n/);
  await ok('AT+CGATT=1');
  if ((o.mux ?? 1) === 1) await ok('AT+CIPMUX=1');
  if ((o.qsend ?? 0) === 1) await ok('AT+CIPQSEND=1');
  if ((o.rxget ?? 1) === 1) await ok('AT+CIPRXGET=1');
  await ok(`AT+CSTT="${o.apn ?? 'internet'}","",""`);
  await ok('AT+CIICR');
  const r = await d.cmd('AT+CIFSR', /\r\n(\d+\.\d+\.\d+\.\d+|ERROR)\r\n/);
  const m = /(\d+\.\d+\.\d+\.\d+)/.exec(r);
  if (!m) throw new Error(`CIFSR → ${JSON.stringify(r)}`);
  return m[1]!;
}

/** ESP bring-up to a station with an IP (multi links). */
export async function espBringUp(d: ModemDevice, o: { ssid?: string; pwd?: string; passive?: boolean } = {}): Promise<void> {
  await d.seen('\r\nready\r\n', 0, 3000);
  for (const c of ['ATE0', 'AT+CWMODE=1']) {
    const r = await d.cmd(c);
    if (!r.includes('OK')) throw new Error(`${c} → ${JSON.stringify(r)}`);
  }
  const j = await d.cmd(`AT+CWJAP="${o.ssid ?? 'atmqtt-wifi'}","${o.pwd ?? 'atmqtt-pass'}"`);
  if (!j.includes('WIFI GOT IP')) throw new Error(`CWJAP → ${JSON.stringify(j)}`);
  await d.cmd('AT+CIPMUX=1');
  if (o.passive) await d.cmd('AT+CIPRECVMODE=1');
}

// ---- MQTT bytes for the bridge tests ----------------------------------------
import * as mqtt from 'mqtt-packet';

export function mqttConnect(clientId: string, keepalive = 30): Buffer {
  return mqtt.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive });
}

export function mqttPublish(topic: string, payload: Buffer | string, qos: 0 | 1, messageId = 1): Buffer {
  return mqtt.generate({ cmd: 'publish', topic, payload, qos, retain: false, dup: false, messageId });
}

export function mqttSubscribe(topic: string, qos: 0 | 1, messageId = 1): Buffer {
  return mqtt.generate({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
}

/** Parses every complete MQTT packet in bytes. */
export function mqttParse(bytes: Buffer): mqtt.Packet[] {
  const p = mqtt.parser({ protocolVersion: 4 });
  const out: mqtt.Packet[] = [];
  p.on('packet', (x) => out.push(x));
  p.on('error', (e) => { throw e; });
  p.parse(bytes);
  return out;
}
