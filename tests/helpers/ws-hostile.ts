// A hostile WebSocket server for the device: a raw node:net server that
// answers the HTTP upgrade by hand and writes every frame byte by byte, so
// a test controls each byte the device reads: fragmentation, PINGs between
// fragments, several MQTT packets in one frame or one packet over many,
// 16- and 64-bit lengths, headers split across TCP writes, CLOSE at any
// point, broken upgrades and frames no server may send. MQTT bytes are
// bridged to a real aedes broker (aedes.handle on a Duplex fed by hand).
// It also parses what the device sends: every frame, its mask bit and
// masking key, PONGs and CLOSEs, and the MQTT packets inside.
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { Aedes } from 'aedes';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

// ---------------------------------------------------------------- frames

export interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  /** FIN bit (default true). */
  fin?: boolean;
  /** RSV1..3 as bits 0x40, 0x20, 0x10 of the first byte. */
  rsv?: number;
  /** Mask the payload (servers must not): true for a random key, or the key. */
  mask?: boolean | Buffer;
  /** Declared payload length (default: payload length); may lie. */
  length?: number;
  /** How the length is written: 7, 16 or 64 bits (default: the shortest). */
  lengthBits?: 7 | 16 | 64;
}

export function encodeFrame(f: FrameSpec): Buffer {
  const payload = f.payload ?? Buffer.alloc(0);
  const len = f.length ?? payload.length;
  const bits = f.lengthBits ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const key = f.mask === true ? Buffer.from([0x37, 0xfa, 0x21, 0x3d]) : f.mask instanceof Buffer ? f.mask : null;
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) & 0x70) | (f.opcode & 0x0f)];
  const m = key ? 0x80 : 0;
  const ext = Buffer.alloc(bits === 7 ? 0 : bits === 16 ? 2 : 8);
  if (bits === 7) head.push(m | len);
  else if (bits === 16) { head.push(m | 126); ext.writeUInt16BE(len); }
  else { head.push(m | 127); ext.writeBigUInt64BE(BigInt(len)); }
  let body = payload;
  if (key) {
    body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  }
  return Buffer.concat([Buffer.from(head), ext, key ?? Buffer.alloc(0), body]);
}

/** One frame the device sent, unmasked. */
export interface ClientFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key (null when unmasked). */
  key: Buffer | null;
  /** Bytes of the length field: 7, 16 or 64 bits. */
  lengthBits: 7 | 16 | 64;
  payload: Buffer;
  /** Bytes on the wire, header included. */
  wire: number;
  at: number;
}

/** Incremental parser of client frames. */
export class FrameReader {
  private buf = Buffer.alloc(0);

  push(data: Buffer): ClientFrame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(data) : Buffer.concat([this.buf, data]);
    const out: ClientFrame[] = [];
    for (;;) {
      const b = this.buf;
      if (b.length < 2) break;
      const masked = (b[1] & 0x80) !== 0;
      const l7 = b[1] & 0x7f;
      let off = 2;
      let len: number;
      let lengthBits: 7 | 16 | 64 = 7;
      if (l7 === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2); off = 4; lengthBits = 16;
      } else if (l7 === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(1 << 30)) throw new Error(`client frame length ${big}`);
        len = Number(big); off = 10; lengthBits = 64;
      } else {
        len = l7;
      }
      const keyLen = masked ? 4 : 0;
      if (b.length < off + keyLen + len) break;
      const key = masked ? Buffer.from(b.subarray(off, off + 4)) : null;
      const payload = Buffer.from(b.subarray(off + keyLen, off + keyLen + len));
      if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      out.push({
        fin: (b[0] & 0x80) !== 0, rsv: b[0] & 0x70, opcode: b[0] & 0x0f, masked, key, lengthBits, payload,
        wire: off + keyLen + len, at: Date.now(),
      });
      this.buf = b.subarray(off + keyLen + len);
    }
    return out;
  }
}

/** Splits a byte stream into whole MQTT packets (fixed header + remaining length). */
export class MqttFramer {
  private buf = Buffer.alloc(0);

  push(data: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? Buffer.from(data) : Buffer.concat([this.buf, data]);
    const out: Buffer[] = [];
    for (;;) {
      const b = this.buf;
      if (b.length < 2) break;
      let rem = 0;
      let mul = 1;
      let i = 1;
      let complete = false;
      for (; i < 5 && i < b.length; i++) {
        rem += (b[i] & 0x7f) * mul;
        mul *= 128;
        if ((b[i] & 0x80) === 0) { complete = true; break; }
      }
      if (!complete) break;
      const total = i + 1 + rem;
      if (b.length < total) break;
      out.push(Buffer.from(b.subarray(0, total)));
      this.buf = b.subarray(total);
    }
    return out;
  }
}

/** The MQTT packet type name of a packet's first byte. */
export function packetType(p: Buffer): string {
  return ['reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
    'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'][p[0] >> 4];
}

// ---------------------------------------------------------------- the upgrade

export interface UpgradeRequest {
  raw: string;
  requestLine: string;
  method: string;
  path: string;
  version: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The request's Sec-WebSocket-Key. */
  key: string;
}

function parseRequest(raw: string): UpgradeRequest {
  const lines = raw.split('\r\n');
  const requestLine = lines[0] ?? '';
  const [method = '', path = '', version = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c <= 0) continue;
    const k = l.slice(0, c).trim().toLowerCase();
    const v = l.slice(c + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { raw, requestLine, method, path, version, headers, key: headers['sec-websocket-key'] ?? '' };
}

/** A correct 101 answer; extra header lines go before the blank line. */
export function okResponse(req: UpgradeRequest, extra: string[] = []): string {
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptFor(req.key)}`,
    'Sec-WebSocket-Protocol: mqtt',
    ...extra,
    '', '',
  ].join('\r\n');
}

// ---------------------------------------------------------------- framing policies

/** How the broker's bytes are framed on their way to the device. */
export type Framing =
  /** one binary frame per chunk the broker writes */
  | { kind: 'whole' }
  /** each chunk one message in `size`-byte fragments (BINARY, CONTINUATION..., FIN); optionally a PING after
   *  every fragment but the last, or empty frames (an empty BINARY message first, an empty CONTINUATION after each fragment but the last) */
  | { kind: 'fragments'; size: number; pings?: boolean; empties?: boolean }
  /** each chunk cut into `size`-byte complete binary messages */
  | { kind: 'frames'; size: number }
  /** bytes collected and sent as one frame once `minBytes` are waiting (then framed by `then`) or `ms` after the first */
  | { kind: 'batch'; ms: number; minBytes?: number; then?: Framing }
  /** each chunk one frame, preceded by `count` PINGs, all in one TCP write */
  | { kind: 'pingsFirst'; count: number };

/** A data frame the server sent: where its payload lies in the MQTT byte stream. */
export interface ServerDataFrame {
  opcode: number;
  fin: boolean;
  lengthBits: 7 | 16 | 64;
  from: number;
  to: number;
}

export interface HostileOptions {
  /** The broker MQTT bytes are bridged to; none: MQTT goes nowhere. */
  broker?: Aedes;
  /** The upgrade answer (default okResponse); null closes without one. */
  respond?: (req: UpgradeRequest, conn: HostileConn) => string | Buffer | null;
  framing?: Framing;
  /** Writes every byte on its own, with a setImmediate between (headers split across TCP writes). */
  byteByByte?: boolean;
  /** Called once a 101 was written. */
  onOpen?: (conn: HostileConn) => void;
  /** Sees each whole MQTT packet from the device; true keeps it from the broker. */
  onClientPacket?: (conn: HostileConn, packet: Buffer) => boolean | void;
}

let connSeq = 0;

export class HostileConn {
  readonly id = ++connSeq;
  readonly acceptedAt = Date.now();
  request: UpgradeRequest | null = null;
  upgraded = false;
  closed = false;
  closedAt = 0;
  /** Every frame the device sent after the upgrade. */
  readonly clientFrames: ClientFrame[] = [];
  /** Protocol faults of the device seen by the server. */
  readonly violations: string[] = [];
  readonly pingsSent: Buffer[] = [];
  readonly pongs: ClientFrame[] = [];
  readonly closes: ClientFrame[] = [];
  readonly serverFrames: ServerDataFrame[] = [];
  /** Whole MQTT packets, each way. */
  readonly fromDevice: Buffer[] = [];
  readonly toDevice: Buffer[] = [];
  /** Offsets in the broker→device MQTT stream where each packet ends. */
  private readonly packetEnds: number[] = [];
  /** Bytes on the wire after the upgrade, each way; and of the upgrade itself. */
  wireIn = 0;
  wireOut = 0;
  handshakeIn = 0;
  handshakeOut = 0;
  /** This server sent a CLOSE. */
  closeSent = false;
  /** How broker bytes are framed from now on (starts as the server's option). */
  framing: Framing;

  private head = Buffer.alloc(0);
  private readonly reader = new FrameReader();
  private readonly inFramer = new MqttFramer();
  private readonly outFramer = new MqttFramer();
  private mqttOut = 0;
  private queue: Buffer[] = [];
  private pumping = false;
  private endWhenFlushed = false;
  private bridge: Duplex | null = null;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private batchTimer: NodeJS.Timeout | null = null;
  private pingSeq = 0;

  constructor(readonly socket: net.Socket, private readonly opts: HostileOptions) {
    this.framing = opts.framing ?? { kind: 'whole' };
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => { /* the device may reset */ });
    socket.on('close', () => this.onClose());
  }

  // ---- output

  /** Raw bytes to the device, in order (one byte a write in byteByByte mode). */
  write(b: Buffer): void {
    if (this.closed || b.length === 0) return;
    if (!this.opts.byteByByte) {
      this.socket.write(b);
      return;
    }
    this.queue.push(b);
    if (!this.pumping) this.pump();
  }

  private pump(): void {
    this.pumping = true;
    const next = () => {
      if (this.closed) { this.pumping = false; return; }
      const b = this.queue[0];
      if (!b) {
        this.pumping = false;
        if (this.endWhenFlushed) this.socket.end();
        return;
      }
      this.socket.write(b.subarray(0, 1));
      if (b.length === 1) this.queue.shift();
      else this.queue[0] = b.subarray(1);
      setImmediate(next);
    };
    next();
  }

  /** Ends the TCP connection once everything queued is written. */
  end(): void {
    if (this.pumping) this.endWhenFlushed = true;
    else this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  sendFrame(f: FrameSpec): Buffer {
    const b = encodeFrame(f);
    this.wireOut += b.length;
    this.write(b);
    return b;
  }

  /** A PING with the given data (default: a fresh text of varying length). */
  ping(data?: Buffer): Buffer {
    const n = this.pingSeq++;
    // empty, the 125-byte maximum, and texts of varying length
    const d = data ?? (n % 7 === 0 ? Buffer.alloc(0)
      : n % 7 === 1 ? Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 7 + n) & 0xff))
      : Buffer.from(`ping-${n}-${'x'.repeat((n * 37) % 100)}`));
    this.pingsSent.push(d);
    this.sendFrame({ opcode: OP.ping, payload: d });
    return d;
  }

  /** A CLOSE with a status code (and reason). */
  sendClose(code: number, reason = ''): void {
    const p = Buffer.alloc(2 + Buffer.byteLength(reason));
    p.writeUInt16BE(code);
    p.write(reason, 2);
    this.closeSent = true;
    this.sendFrame({ opcode: OP.close, payload: p });
  }

  private dataFrame(opcode: number, fin: boolean, payload: Buffer, from: number): void {
    const f = this.sendFrame({ opcode, fin, payload });
    const lengthBits = (f[1] & 0x7f) === 127 ? 64 : (f[1] & 0x7f) === 126 ? 16 : 7;
    this.serverFrames.push({ opcode, fin, lengthBits, from, to: from + payload.length });
  }

  /** MQTT bytes from the broker, framed by the policy. */
  sendMqtt(chunk: Buffer): void {
    if (this.closed || this.closeSent) return;
    const from = this.mqttOut;
    this.mqttOut += chunk.length;
    for (const p of this.outFramer.push(chunk)) {
      this.toDevice.push(p);
      this.packetEnds.push((this.packetEnds.at(-1) ?? 0) + p.length);
    }
    const framing = this.framing;
    switch (framing.kind) {
      case 'whole':
        this.dataFrame(OP.binary, true, chunk, from);
        break;
      case 'fragments': {
        const n = Math.ceil(chunk.length / framing.size);
        if (framing.empties) this.dataFrame(OP.binary, true, Buffer.alloc(0), from);
        for (let i = 0; i < n; i++) {
          const piece = chunk.subarray(i * framing.size, (i + 1) * framing.size);
          this.dataFrame(i === 0 ? OP.binary : OP.cont, i === n - 1, piece, from + i * framing.size);
          if (framing.pings && i < n - 1) this.ping();
          if (framing.empties && i < n - 1) this.dataFrame(OP.cont, false, Buffer.alloc(0), from + (i + 1) * framing.size);
        }
        break;
      }
      case 'frames':
        for (let i = 0; i * framing.size < chunk.length; i++) {
          this.dataFrame(OP.binary, true, chunk.subarray(i * framing.size, (i + 1) * framing.size), from + i * framing.size);
        }
        break;
      case 'pingsFirst': {
        const parts: Buffer[] = [];
        for (let i = 0; i < framing.count; i++) {
          const d = Buffer.from(`p${this.pingSeq++}`);
          this.pingsSent.push(d);
          parts.push(encodeFrame({ opcode: OP.ping, payload: d }));
        }
        const f = encodeFrame({ opcode: OP.binary, payload: chunk });
        parts.push(f);
        const all = Buffer.concat(parts);
        this.wireOut += all.length;
        this.serverFrames.push({ opcode: OP.binary, fin: true, lengthBits: (f[1] & 0x7f) === 126 ? 16 : 7, from, to: from + chunk.length });
        this.write(all);
        break;
      }
      case 'batch':
        this.batch.push(chunk);
        this.batchBytes += chunk.length;
        if (framing.minBytes !== undefined && this.batchBytes >= framing.minBytes) {
          this.flushBatch();
          if (framing.then) this.framing = framing.then;
        } else if (!this.batchTimer) this.batchTimer = setTimeout(() => this.flushBatch(), framing.ms);
        break;
    }
  }

  /** Sends what a batch policy holds now. */
  flush(): void { this.flushBatch(); }

  private flushBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.batchBytes === 0 || this.closed) return;
    const all = Buffer.concat(this.batch);
    this.batch = [];
    this.batchBytes = 0;
    this.dataFrame(OP.binary, true, all, this.mqttOut - all.length);
  }

  /** Whole MQTT packets inside each data message the server sent (FIN-terminated runs of frames). */
  packetsPerFrame(): number[] {
    const counts: number[] = [];
    for (const f of this.serverFrames) {
      let n = 0;
      let start = 0;
      for (const end of this.packetEnds) {
        if (start >= f.from && end <= f.to) n++;
        start = end;
      }
      counts.push(n);
    }
    return counts;
  }

  // ---- input

  private onData(d: Buffer): void {
    if (!this.request) {
      this.head = Buffer.concat([this.head, d]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.head.length > 8192) this.destroy();
        return;
      }
      const raw = this.head.subarray(0, end + 4).toString('latin1');
      const rest = this.head.subarray(end + 4);
      this.handshakeIn = end + 4;
      this.request = parseRequest(raw);
      const resp = this.opts.respond ? this.opts.respond(this.request, this) : okResponse(this.request);
      if (resp === null) { this.destroy(); return; }
      const rb = typeof resp === 'string' ? Buffer.from(resp, 'latin1') : resp;
      this.handshakeOut = rb.length;
      this.upgraded = rb.subarray(0, 13).toString('latin1') === 'HTTP/1.1 101 ';
      this.write(rb);
      if (!this.upgraded) { this.end(); return; }
      if (this.opts.broker) this.attach(this.opts.broker);
      this.opts.onOpen?.(this);
      if (rest.length > 0) this.onFrames(rest);
      return;
    }
    if (this.upgraded) this.onFrames(d);
  }

  private attach(broker: Aedes): void {
    const bridge = new Duplex({
      read() { /* pushed by onFrames */ },
      write: (chunk: Buffer, _enc, cb) => { this.sendMqtt(chunk); cb(); },
      final: (cb) => { this.end(); cb(); },
    });
    bridge.on('error', () => {});
    this.bridge = bridge;
    broker.handle(bridge);
  }

  private onFrames(d: Buffer): void {
    this.wireIn += d.length;
    let frames: ClientFrame[];
    try {
      frames = this.reader.push(d);
    } catch (e) {
      this.violations.push(String(e));
      this.destroy();
      return;
    }
    for (const f of frames) {
      this.clientFrames.push(f);
      if (!f.masked) this.violations.push(`unmasked frame, opcode ${f.opcode}`);
      if (f.rsv !== 0) this.violations.push(`RSV bits ${f.rsv}`);
      switch (f.opcode) {
        case OP.binary:
        case OP.cont:
          for (const p of this.inFramer.push(f.payload)) {
            this.fromDevice.push(p);
            if (this.opts.onClientPacket?.(this, p) === true) continue;
            this.bridge?.push(p);
          }
          break;
        case OP.pong:
          this.pongs.push(f);
          break;
        case OP.close:
          this.closes.push(f);
          if (!this.closeSent) this.sendClose(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1000);
          this.end();
          break;
        case OP.ping:
          this.sendFrame({ opcode: OP.pong, payload: f.payload });
          break;
        default:
          this.violations.push(`opcode ${f.opcode} from the device`);
      }
    }
  }

  private onClose(): void {
    this.closed = true;
    this.closedAt = Date.now();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.queue = [];
    this.bridge?.destroy();
    this.bridge = null;
  }
}

export class HostileServer {
  readonly conns: HostileConn[] = [];
  private readonly server: net.Server;
  port = 0;

  private constructor(private readonly opts: HostileOptions) {
    this.server = net.createServer((s) => { this.conns.push(new HostileConn(s, this.opts)); });
  }

  static async start(opts: HostileOptions = {}): Promise<HostileServer> {
    const h = new HostileServer(opts);
    await new Promise<void>((resolve, reject) => {
      h.server.once('error', reject);
      h.server.listen(0, '127.0.0.1', () => resolve());
    });
    h.port = (h.server.address() as net.AddressInfo).port;
    return h;
  }

  get url(): string { return `ws://127.0.0.1:${this.port}/mqtt`; }

  /** Connections that got a 101. */
  upgradedConns(): HostileConn[] { return this.conns.filter((c) => c.upgraded); }

  /** Every frame the device sent on any connection. */
  allClientFrames(): ClientFrame[] { return this.conns.flatMap((c) => c.clientFrames); }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Polls cond every 10 ms until it holds; rejects after timeoutMs with what(). */
export async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Checks the masking of the device's frames: all masked, and the keys not
 * constant (distinct keys for distinct frames, none all-zero). Returns a
 * complaint, or null.
 */
export function maskingProblem(frames: ClientFrame[]): string | null {
  if (frames.length === 0) return 'no frames from the device';
  const unmasked = frames.filter((f) => !f.masked || f.key === null);
  if (unmasked.length > 0) return `${unmasked.length} of ${frames.length} frames unmasked`;
  const keys = frames.map((f) => f.key!.toString('hex'));
  const distinct = new Set(keys);
  if (frames.length >= 2 && distinct.size < Math.ceil(frames.length * 0.95)) {
    return `masking keys repeat: ${distinct.size} distinct of ${frames.length}: ${keys.slice(0, 8).join(' ')}`;
  }
  if (frames.length >= 2 && keys.some((k) => k === '00000000')) return 'an all-zero masking key';
  return null;
}
