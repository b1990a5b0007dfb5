// A hostile MQTT 3.1.1 broker for the device: a raw node:net server that
// parses every packet the device sends and answers by hand, so a test
// controls each byte the device reads. A connection behaves (CONNACK,
// SUBACK, PUBACK / PUBREC / PUBCOMP, PINGRESP) unless its script says
// otherwise: hold the acks of the device's PUBLISHes, go silent, trickle
// every byte on its own, or write any bytes at all (malformed packets,
// oversized ones, unknown types, acks for ids never used, floods).
// One script per test; `conns[i]` is the i-th connection the device made.
import net from 'node:net';

export const T = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7,
  subscribe: 8, suback: 9, unsubscribe: 10, unsuback: 11, pingreq: 12, pingresp: 13, disconnect: 14,
} as const;

/** One whole packet from the device, decoded as far as a test needs. */
export interface Packet {
  type: number;
  flags: number;
  raw: Buffer;
  body: Buffer;
  /** Packet id (PUBLISH QoS > 0, acks, SUBSCRIBE, UNSUBSCRIBE). */
  id?: number;
  /** PUBLISH */
  topic?: string;
  payload?: Buffer;
  qos?: number;
  dup?: boolean;
  /** SUBSCRIBE: the requested QoS of each filter. */
  filters?: { filter: string; qos: number }[];
  at: number;
}

export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A packet: first byte, then the remaining length of body, then body. */
export function packet(first: number, body: Buffer | number[] = []): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([Buffer.from([first]), remainingLength(b.length), b]);
}

export function ack(type: number, id: number): Buffer {
  return packet((type << 4) | (type === T.pubrel ? 2 : 0), [id >> 8, id & 0xff]);
}

export function publish(topic: string, payload: Buffer | string, qos: 0 | 1 | 2, id = 0, flags = 0): Buffer {
  const t = Buffer.from(topic);
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const head = [t.length >> 8, t.length & 0xff, ...t];
  if (qos > 0) head.push(id >> 8, id & 0xff);
  return packet(0x30 | (qos << 1) | flags, Buffer.concat([Buffer.from(head), p]));
}

export const CONNACK_OK = Buffer.from([0x20, 2, 0, 0]);

function decode(raw: Buffer, hdr: number): Packet {
  const type = raw[0] >> 4;
  const flags = raw[0] & 15;
  const body = raw.subarray(hdr);
  const p: Packet = { type, flags, raw, body, at: Date.now() };
  if (type === T.publish) {
    const tl = body.readUInt16BE(0);
    p.topic = body.subarray(2, 2 + tl).toString();
    p.qos = (flags >> 1) & 3;
    p.dup = (flags & 8) !== 0;
    let o = 2 + tl;
    if (p.qos > 0) { p.id = body.readUInt16BE(o); o += 2; }
    p.payload = Buffer.from(body.subarray(o));
  } else if (type >= T.puback && type <= T.unsubscribe) {
    p.id = body.readUInt16BE(0);
    if (type === T.subscribe) {
      p.filters = [];
      for (let o = 2; o < body.length;) {
        const l = body.readUInt16BE(o);
        p.filters.push({ filter: body.subarray(o + 2, o + 2 + l).toString(), qos: body[o + 2 + l] });
        o += l + 3;
      }
    }
  }
  return p;
}

export interface ConnScript {
  /** Sees each packet from the device first; true: handled, no default answer. */
  onPacket?: (c: BrokerConn, p: Packet) => boolean | void;
}

let seq = 0;

export class BrokerConn {
  readonly id = ++seq;
  /** 0 for the device's first connection to this broker, 1 for the second... */
  readonly index: number;
  readonly acceptedAt = Date.now();
  readonly fromDevice: Packet[] = [];
  /** Every byte written to the device. */
  bytesOut = 0;
  closed = false;
  closedAt = 0;
  /** The device ended the connection (FIN) before we did. */
  endedByDevice = false;
  /** Faults in what the device sent (undecodable bytes). */
  readonly violations: string[] = [];
  /** Answer the device's PUBLISHes (PUBACK / PUBREC); false holds them unacknowledged. */
  ackPublishes = true;
  /** Answer anything at all (false: a broker that went silent). */
  answering = true;
  /** Each byte written on its own, `trickleMs` apart (0: not trickled). */
  trickleMs = 0;
  private buf = Buffer.alloc(0);
  private queue: Buffer[] = [];
  private pumping = false;
  private endWhenFlushed = false;

  constructor(readonly socket: net.Socket, index: number, private readonly script: ConnScript) {
    this.index = index;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => { if (!this.closed) this.endedByDevice = true; });
    socket.on('error', () => { /* the device may reset */ });
    socket.on('close', () => { this.closed = true; this.closedAt = Date.now(); this.queue = []; });
  }

  /** Bytes to the device (trickled when trickleMs > 0). */
  write(b: Buffer): void {
    if (this.closed || b.length === 0) return;
    if (this.trickleMs <= 0) {
      this.bytesOut += b.length;
      this.socket.write(b);
      return;
    }
    this.queue.push(b);
    if (!this.pumping) this.pump();
  }

  private pump(): void {
    this.pumping = true;
    const next = (): void => {
      if (this.closed) { this.pumping = false; return; }
      const b = this.queue[0];
      if (!b) {
        this.pumping = false;
        if (this.endWhenFlushed) this.socket.end();
        return;
      }
      this.socket.write(b.subarray(0, 1));
      this.bytesOut++;
      if (b.length === 1) this.queue.shift();
      else this.queue[0] = b.subarray(1);
      setTimeout(next, this.trickleMs);
    };
    next();
  }

  end(): void {
    if (this.pumping) this.endWhenFlushed = true;
    else this.socket.end();
  }

  destroy(): void { this.socket.destroy(); }

  /** PUBLISH packets from the device. */
  publishes(): Packet[] { return this.fromDevice.filter((p) => p.type === T.publish); }

  types(): number[] { return this.fromDevice.map((p) => p.type); }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? Buffer.from(d) : Buffer.concat([this.buf, d]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let rem = 0;
      let mul = 1;
      let i = 1;
      let complete = false;
      for (; i < 5 && i < b.length; i++) {
        rem += (b[i] & 0x7f) * mul;
        mul *= 128;
        if ((b[i] & 0x80) === 0) { complete = true; break; }
      }
      if (!complete) {
        if (i >= 5) { this.violations.push('remaining length over four bytes'); this.destroy(); }
        return;
      }
      const total = i + 1 + rem;
      if (b.length < total) return;
      const raw = Buffer.from(b.subarray(0, total));
      this.buf = b.subarray(total);
      let p: Packet;
      try {
        p = decode(raw, i + 1);
      } catch (e) {
        this.violations.push(`undecodable ${raw.toString('hex')}: ${String(e)}`);
        continue;
      }
      this.fromDevice.push(p);
      if (this.closed) continue;
      if (this.script.onPacket?.(this, p) === true) continue;
      if (this.answering) this.answer(p);
    }
  }

  /** What a well-behaved broker answers. */
  answer(p: Packet): void {
    switch (p.type) {
      case T.connect: this.write(CONNACK_OK); break;
      case T.publish:
        if (!this.ackPublishes) break;
        if (p.qos === 1) this.write(ack(T.puback, p.id!));
        else if (p.qos === 2) this.write(ack(T.pubrec, p.id!));
        break;
      case T.pubrel: this.write(ack(T.pubcomp, p.id!)); break;
      case T.subscribe:
        this.write(packet(0x90, [p.id! >> 8, p.id! & 0xff, ...p.filters!.map((f) => f.qos)]));
        break;
      case T.unsubscribe: this.write(ack(T.unsuback, p.id!)); break;
      case T.pingreq: this.write(Buffer.from([0xd0, 0])); break;
      case T.disconnect: this.end(); break;
    }
  }
}

export class HostileBroker {
  readonly conns: BrokerConn[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, readonly port: number) {}

  /** Listens on 127.0.0.1 (a free port); `script(index)` gives each connection its script. */
  static async start(script: (index: number) => ConnScript): Promise<HostileBroker> {
    let self: HostileBroker | null = null;
    const server = net.createServer((s) => {
      if (!self) { s.destroy(); return; }
      self.sockets.add(s);
      s.on('close', () => self?.sockets.delete(s));
      const i = self.conns.length;
      self.conns.push(new BrokerConn(s, i, script(i)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new HostileBroker(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

// the same wait as the hostile WebSocket server's
export { until } from './ws-hostile.ts';
