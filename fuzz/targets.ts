// The fuzz targets: for each, a fast-check generator of hostile input and a
// run of the whole device that feeds it through the module's real entry
// points, checks the properties on every step (Device.checkInvariants: no
// trap, no hang, state and tables in range), then asks the device to come
// back to `connected` from a well-behaved peer in bounded virtual time.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Device, PropertyError, type Config } from './device.ts';
import { MiniBroker, ScriptModem } from './peers.ts';
import type { ProfileName } from '../sim/profile.ts';

export interface RunOptions { profile: ProfileName; guard: boolean }

export interface Target<T> {
  name: string;
  what: string;
  input: fc.Arbitrary<T>;
  run(input: T, o: RunOptions): void;
}

const u8 = (a: number[] | Uint8Array): Uint8Array => Uint8Array.from(a);
const varint = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n > 0) b |= 0x80; o.push(b); } while (n > 0); return o; };
const str = (s: string): number[] => [s.length >> 8, s.length & 0xff, ...Buffer.from(s, 'latin1')];

/** Splits bytes into chunks at the given cut points (any split is legal on a byte stream). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of at) { if (c > from) out.push(bytes.subarray(from, c)); from = Math.max(from, c); }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

function fail(d: Device, what: string): never {
  throw new PropertyError(`${what}\n${d.describe()}`);
}

/** The link really works again: a QoS 1 publish is acknowledged. */
function roundTrip(d: Device, between: () => void): void {
  const before = d.events.filter((e) => e.kind === 5).length;
  const r = d.publish('fz/after', Uint8Array.from([0x6f, 0x6b]), 1);
  if (r <= 0) fail(d, `publish after recovery refused: ${r}`);
  if (!d.until(() => d.events.filter((e) => e.kind === 5).length > before, 120_000, 100, between)) fail(d, 'no PUBACK after recovery');
}

/** Feeds a peer's bytes to the device's socket, stepping between chunks. */
function feedSocket(d: Device, chunks: Uint8Array[], answer?: (w: Uint8Array) => void): void {
  for (const c of chunks) {
    if (d.sock.state === 1) d.sock.feed(c);
    for (let k = 0; k < 6; k++) { d.step(20); if (answer) answer(d.sock.take()); }
  }
  for (let k = 0; k < 20; k++) { d.step(50); if (answer) answer(d.sock.take()); }
}

/**
 * The well-behaved far end of the host socket: accepts each new socket,
 * answers the upgrade (ws) and whatever the client needs from its broker.
 * Call it between steps.
 */
function hostPeer(d: Device, ws: boolean): () => void {
  const broker = new MiniBroker();
  let opens = -1;
  let upgraded = !ws;
  let req = '';
  return () => {
    if (d.sock.opens !== opens) { opens = d.sock.opens; broker.reset(); upgraded = !ws; req = ''; }
    if (d.sock.opens > 0 && d.sock.state === 0 && !d.sock.closed) d.sock.state = 1;
    if (d.sock.state !== 1) return;
    const w = d.sock.take();
    if (!upgraded) {
      req += Buffer.from(w).toString('latin1');
      if (req.includes('\r\n\r\n')) { d.sock.feed(upgradeResponse(req)); upgraded = true; }
      return;
    }
    const r = broker.handle(ws ? unmaskFrames(w) : w);
    if (r.length > 0) d.sock.feed(ws ? serverFrame(2, r) : r);
  };
}

/**
 * Recovery: the peer closes whatever is left; the device must reconnect by
 * itself (over a WebSocket when ws is given) within the virtual time bound,
 * and get a QoS 1 publish acknowledged.
 */
function recover(d: Device, ws: boolean, boundMs = 180_000): void {
  if (d.sock.state === 1 || d.sock.state === 0) d.sock.state = 2;
  const opensBefore = d.sock.opens;
  const pump = hostPeer(d, ws);
  const ok = d.until(() => d.connected() && d.sock.opens > opensBefore, boundMs, 200, pump);
  if (!ok) fail(d, `did not come back to connected within ${boundMs / 1000} s of virtual time`);
  roundTrip(d, pump);
}

/** Brings a device on host sockets to connected. */
function connect(d: Device, ws: boolean): void {
  if (d.setup() !== 0) fail(d, 'setup refused a good configuration');
  if (!d.until(() => d.connected(), 30_000, 50, hostPeer(d, ws))) fail(d, 'no first connection');
}

// ---- WebSocket helpers ------------------------------------------------

export function upgradeResponse(request: string): Uint8Array {
  const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
  const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  return Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`, 'latin1');
}

/** One unmasked server frame. */
export function serverFrame(op: number, payload: Uint8Array, fin = true): Uint8Array {
  const n = payload.length;
  const head = n < 126 ? [(fin ? 0x80 : 0) | op, n] : [(fin ? 0x80 : 0) | op, 126, n >> 8, n & 0xff];
  return Buffer.concat([u8(head), payload]);
}

/** The payload bytes of the device's masked frames (whole frames only, as the device writes them). */
function unmaskFrames(w: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i + 2 <= w.length) {
    let n = w[i + 1]! & 0x7f;
    let h = 2;
    if (n === 126) { n = (w[i + 2]! << 8) | w[i + 3]!; h = 4; }
    const key = w.subarray(i + h, i + h + 4);
    const op = w[i]! & 0x0f;
    for (let k = 0; k < n && i + h + 4 + k < w.length; k++) if (op === 2 || op === 0) out.push(w[i + h + 4 + k]! ^ key[k & 3]!);
    i += h + 4 + n;
  }
  return u8(out);
}

// ---- generators ----------------------------------------------------------

/** MQTT packets a broker may send, right and wrong. */
const mqttPacket: fc.Arbitrary<number[]> = fc.oneof(
  // PUBLISH with any flags, topic and payload (ids near the device's own)
  fc.record({ flags: fc.integer({ min: 0, max: 15 }), topic: fc.string({ maxLength: 40 }), id: fc.integer({ min: 0, max: 70 }), payload: fc.uint8Array({ maxLength: 300 }) })
    .map(({ flags, topic, id, payload }) => {
      const body = [...str(topic), ...(((flags >> 1) & 3) > 0 ? [id >> 8, id & 0xff] : []), ...payload];
      return [0x30 | flags, ...varint(body.length), ...body];
    }),
  // acknowledgements, for ids the device may or may not have used
  fc.record({ type: fc.constantFrom(0x40, 0x50, 0x62, 0x70, 0x60, 0x42), id: fc.integer({ min: 0, max: 70 }), extra: fc.uint8Array({ maxLength: 3 }) })
    .map(({ type, id, extra }) => [type, 2 + extra.length, id >> 8, id & 0xff, ...extra]),
  // SUBACK / UNSUBACK with any codes, a second CONNACK, PINGRESP, DISCONNECT from the server
  fc.record({ id: fc.integer({ min: 0, max: 10 }), codes: fc.uint8Array({ maxLength: 6 }) }).map(({ id, codes }) => [0x90, 2 + codes.length, 0, id, ...codes]),
  fc.constantFrom<number[]>([0xb0, 2, 0, 1], [0x20, 2, 0, 0], [0x20, 2, 1, 5], [0xd0, 0], [0xe0, 0], [0xc0, 0], [0x10, 0], [0x00, 0], [0xf0, 0]),
  // remaining lengths of five bytes, or larger than any buffer
  fc.record({ first: fc.integer({ min: 0, max: 255 }), len: fc.uint8Array({ minLength: 1, maxLength: 6 }) }).map(({ first, len }) => [first, ...len]),
  fc.integer({ min: 0, max: 0x0fffffff }).map((n) => [0x30, ...varint(n), 0, 1, 0x61]),
  // raw noise
  fc.uint8Array({ maxLength: 64 }).map((a) => [...a]),
);

const mqttStream = fc.record({
  packets: fc.array(mqttPacket, { maxLength: 12 }),
  cuts: fc.array(fc.nat(4000), { maxLength: 12 }),
});

const hostConfig = (url: string): Config => ({ url, client_id: 'fuzz-device', keepalive: '30' });

/** Publishes QoS 1 and 2 so acks for real ids exist in the flows. */
function ownTraffic(d: Device): void {
  d.publish('fz/a', u8([1, 2, 3]), 1);
  d.publish('fz/b', u8([4, 5]), 2);
  for (let k = 0; k < 5; k++) d.step(10);
}

type MqttInput = { packets: number[][]; cuts: number[] };
export const mqttTarget: Target<MqttInput> = {
  name: 'mqtt',
  what: 'the MQTT decoder and the session receive path (host socket)',
  input: mqttStream,
  run(input, o) {
    const d = new Device({ profile: o.profile, guard: o.guard, config: hostConfig('mqtt://broker:1883') });
    connect(d, false);
    ownTraffic(d);
    const bytes = u8(input.packets.flat());
    // the device's own writes go unanswered: acks come only from the input
    feedSocket(d, split(bytes, input.cuts), () => {});
    recover(d, false);
  },
};

// ---- WebSocket -------------------------------------------------------------

const httpResponse = fc.record({
  status: fc.constantFrom('101', '200', '301', '101x', '', '1010', '404'),
  lines: fc.array(fc.oneof(
    fc.constantFrom('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Protocol: mqtt', 'Sec-WebSocket-Protocol: mqttv3.1',
      'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'Upgrade: h2c', 'Connection: close', 'X: ' + 'y'.repeat(300), ':', 'Upgrade'),
    fc.string({ maxLength: 60 })), { maxLength: 8 }),
  good: fc.boolean(),
  tail: fc.uint8Array({ maxLength: 40 }),
});

const wsFrame = fc.record({
  op: fc.integer({ min: 0, max: 15 }), fin: fc.boolean(), masked: fc.boolean(), rsv: fc.integer({ min: 0, max: 7 }),
  payload: fc.oneof(mqttPacket.map((p) => u8(p)), fc.uint8Array({ maxLength: 200 })),
  len16: fc.boolean(), len64: fc.boolean(),
}).map(({ op, fin, masked, rsv, payload, len16, len64 }) => {
  const n = payload.length;
  const b0 = (fin ? 0x80 : 0) | (rsv << 4) | op;
  const m = masked ? 0x80 : 0;
  const head = len64 ? [b0, m | 127, 0, 0, 0, 0, 0, 0, n >> 8, n & 0xff] : len16 || n >= 126 ? [b0, m | 126, n >> 8, n & 0xff] : [b0, m | n];
  return [...head, ...(masked ? [1, 2, 3, 4] : []), ...payload];
});

const wsInput = fc.record({ response: httpResponse, frames: fc.array(wsFrame, { maxLength: 10 }), cuts: fc.array(fc.nat(3000), { maxLength: 10 }) });

type WsInput = { response: { status: string; lines: string[]; good: boolean; tail: Uint8Array }; frames: number[][]; cuts: number[] };
export const wsTarget: Target<WsInput> = {
  name: 'ws',
  what: 'the WebSocket upgrade parser and the deframer',
  input: wsInput,
  run(input, o) {
    const d = new Device({ profile: o.profile, guard: o.guard, config: hostConfig('ws://broker:80/mqtt') });
    if (o.profile === 'small') {
      // the small profile has no WebSocket: a ws:// URL is refused at start-up
      if (d.setup() === 0) fail(d, 'small profile accepted a ws:// URL');
      return;
    }
    if (d.setup() !== 0) fail(d, 'setup refused a good configuration');
    if (!d.until(() => d.sock.opens > 0, 10_000)) fail(d, 'no socket opened');
    d.sock.state = 1;
    let req = '';
    d.until(() => req.includes('\r\n\r\n'), 5_000, 20, () => { req += Buffer.from(d.sock.take()).toString('latin1'); });
    const r = input.response;
    const head = r.good ? Buffer.from(upgradeResponse(req)).toString('latin1').replace(/\r\n\r\n$/, '\r\n') : `HTTP/1.1 ${r.status} X\r\n`;
    const resp = Buffer.concat([Buffer.from(head + r.lines.map((l: string) => l + '\r\n').join('') + '\r\n', 'latin1'), r.tail]);
    const frames = u8(input.frames.flat());
    feedSocket(d, split(Buffer.concat([resp, frames]), input.cuts));
    recover(d, true);
  },
};

// ---- AT modems ---------------------------------------------------------------

/** What a modem's UART may carry: the manuals' lines, length headers with any count, noise. */
const modemBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom('OK', 'ERROR', '+CME ERROR: 3', 'SEND OK', 'SEND FAIL', '0, SEND FAIL', 'DATA ACCEPT:0,5', '0, CLOSED', 'CLOSED',
    '+PDP: DEACT', 'RDY', 'Call Ready', 'SMS Ready', '+CPIN: READY', '+CFUN: 1', 'NORMAL POWER DOWN', 'UNDER-VOLTAGE WARNNING',
    'busy p...', 'busy s...', 'WIFI DISCONNECT', 'WIFI GOT IP', 'ready', '0,CONNECT', '0, CONNECT OK', 'CONNECT FAIL', 'ALREADY CONNECT',
    '+CIPRXGET: 1,0', '+CIPRXGET: 1', 'RING', '+CMTI: "SM",1', '>', '0, CLOSE OK', '+CWJAP:2', 'FAIL', '10.0.0.9', 'AT+CIPSEND=0,5')
    .map((l) => u8(Buffer.from(`\r\n${l}\r\n`, 'latin1'))),
  fc.record({ k: fc.integer({ min: 0, max: 3000 }), left: fc.integer({ min: -1, max: 5000 }), data: fc.uint8Array({ maxLength: 100 }), form: fc.integer({ min: 0, max: 5 }) })
    .map(({ k, left, data, form }) => {
      const h = ['+CIPRXGET: 2,0,', '+CIPRXGET:2,0,', '+CIPRECVDATA:', '+IPD,0,', '+IPD,', '+RECEIVE,0,'][form]!;
      const sep = form <= 1 ? `${k},${left}\r\n` : form === 2 ? `${k},` : `${k}:`;
      return u8(Buffer.concat([Buffer.from(`\r\n${h}${sep}`, 'latin1'), data]));
    }),
  fc.uint8Array({ maxLength: 48 }),
);

const atInput = fc.record({
  kind: fc.constantFrom<'sim800' | 'esp-at'>('sim800', 'esp-at'),
  // each injection lands after that many device steps, into the UART
  injections: fc.array(fc.record({ after: fc.integer({ min: 0, max: 400 }), bytes: modemBytes }), { maxLength: 10 }),
});

type AtInput = { kind: 'sim800' | 'esp-at'; injections: { after: number; bytes: Uint8Array }[] };
export const atTarget: Target<AtInput> = {
  name: 'at',
  what: 'the AT tokenizer and each modem driver (SIM800, ESP-AT) with hostile UART bytes',
  input: atInput,
  run(input, o) {
    const config: Config = { url: 'mqtt://broker:1883', client_id: 'fuzz-device', keepalive: '30', link: input.kind, ...(input.kind === 'sim800' ? { apn: 'internet' } : { ssid: 'ap', wifi_password: 'pw' }) };
    const d = new Device({ profile: o.profile, guard: o.guard, config });
    if (d.setup() !== 0) fail(d, 'setup refused a good configuration');
    const modem = new ScriptModem(input.kind, d.uart);
    const inj = [...input.injections].sort((a, b) => a.after - b.after);
    let step = 0;
    for (const j of inj) {
      while (step < j.after) { modem.serve(); d.step(20); step++; }
      d.uart.feed(j.bytes);
    }
    for (let k = 0; k < 50; k++) { modem.serve(); d.step(20); }
    // recovery through a well-behaved module: power cycles included, within minutes of virtual time
    if (!d.until(() => d.connected(), 400_000, 200, () => modem.serve())) fail(d, 'did not come back to connected through the modem');
    roundTrip(d, () => modem.serve());
  },
};

// ---- configuration -------------------------------------------------------------

const cfgValue = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.constantFrom('mqtt://h', 'mqtt://h:0', 'mqtt://h:65536', 'mqtt://:1', 'mqtts://h:8883', 'ws://h/p', 'wss://h:443/', 'ws://h:99999/x',
    'tcp://h', 'mqtt://', 'MQTT://H', 'mqtt://h:1883/extra', 'mqtt://[::1]:1883', 'socket', 'sim800', 'sim900', 'esp-at', 'gsm', '-1', '0', '1',
    '65535', '65536', '4294967296', '', ' ', 'x'.repeat(97), 'x'.repeat(300)),
  fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a).toString('latin1')),
);

const configInput = fc.dictionary(fc.constantFrom('url', 'client_id', 'username', 'password', 'keepalive', 'clean', 'will_topic', 'will_payload',
  'will_qos', 'will_retain', 'link', 'telemetry_s', 'telemetry_topic', 'baud', 'apn', 'apn_user', 'apn_password', 'ssid', 'wifi_password', 'ca', 'insecure'),
  cfgValue, { maxKeys: 8 });

export const configTarget: Target<Record<string, string>> = {
  name: 'config',
  what: 'the configuration parser (URL, lengths, keys)',
  input: configInput,
  run(input, o) {
    const d = new Device({ profile: o.profile, guard: o.guard, config: input as Config });
    const r = d.setup();
    if (r > 0) fail(d, `setup returned ${r}: want 0 or a negative error`);
    if (r < 0) {
      // refused: one clear line, and the module stays still
      if (!d.logs.some((l) => l.includes('config'))) fail(d, `setup refused (${r}) without saying why`);
      for (let k = 0; k < 5; k++) d.step(100);
      if (d.sock.opens > 0) fail(d, 'a refused configuration still opened a socket');
      return;
    }
    // accepted: it runs without trapping, whatever it opens
    for (let k = 0; k < 100; k++) { d.step(100); if (d.sock.opens > 0 && d.sock.state === 0) d.sock.state = 2; }
  },
};

export const TARGETS = { mqtt: mqttTarget, ws: wsTarget, at: atTarget, config: configTarget } as const;
export type TargetName = keyof typeof TARGETS;
