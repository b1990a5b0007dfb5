// A TCP proxy between the device (or its modem emulator) and Mosquitto:
// the network the soak breaks. cut() is a link drop, outage() holds every
// byte both ways (as a dead radio path; TCP would retransmit them after),
// wsClose() makes the server side send a WebSocket close frame at the next
// frame boundary. busy() tells the lockstep loop that a real reply is on
// its way, so virtual time waits for it instead of running past it.
import net from 'node:net';
import { replyScanner } from './replies.ts';

/**
 * How long (real ms) the loop may wait for the broker's answer to a packet
 * that asks for one (Mosquitto's WebSocket listener answers ~0.1 s late).
 */
const REPLY_WAIT_MS = 1000;

/** Reads server→client WebSocket framing to find frame boundaries (after the HTTP head). */
class WsFrames {
  private head = '';
  private inHead = true;
  private hdr: number[] = [];
  private left = 0;

  /** Offsets in chunk at which a frame ends (or the HTTP head does). */
  boundaries(chunk: Buffer): number[] {
    const out: number[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.inHead) {
        this.head += String.fromCharCode(chunk[i++]!);
        if (this.head.endsWith('\r\n\r\n')) { this.inHead = false; out.push(i); }
        continue;
      }
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - i);
        this.left -= n;
        i += n;
        if (this.left === 0) out.push(i);
        continue;
      }
      this.hdr.push(chunk[i++]!);
      const need = this.headerLength();
      if (need !== null && this.hdr.length === need) {
        this.left = this.payloadLength();
        this.hdr = [];
        if (this.left === 0) out.push(i);
      }
    }
    return out;
  }

  private headerLength(): number | null {
    if (this.hdr.length < 2) return null;
    const l = this.hdr[1]! & 0x7f;
    const mask = (this.hdr[1]! & 0x80) !== 0 ? 4 : 0;
    return 2 + (l === 126 ? 2 : l === 127 ? 8 : 0) + mask;
  }

  private payloadLength(): number {
    const l = this.hdr[1]! & 0x7f;
    if (l === 126) return (this.hdr[2]! << 8) | this.hdr[3]!;
    if (l === 127) { let n = 0; for (let k = 2; k < 10; k++) n = n * 256 + this.hdr[k]!; return n; }
    return l;
  }

  get atBoundary(): boolean {
    return !this.inHead && this.left === 0 && this.hdr.length === 0;
  }
}

/** Close frame, status 1001 (going away), unmasked as a server sends it. */
const WS_CLOSE = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

class Conn {
  readonly frames = new WsFrames();
  readonly asks: { feed(b: Uint8Array): boolean };
  heldUp: Buffer[] = [];
  heldDown: Buffer[] = [];
  deviceGone = false;
  closing = false;
  constructor(readonly down: net.Socket, readonly up: net.Socket, ws: boolean) {
    this.asks = replyScanner(ws);
  }

  destroy(): void {
    this.down.destroy();
    this.up.destroy();
  }
}

export class FaultProxy {
  private readonly server: net.Server;
  private readonly conns = new Set<Conn>();
  private dark = false;
  private lastUp = 0;
  private lastDown = 0;
  port = 0;
  /** Connections the device opened. */
  accepted = 0;
  wsClosesSent = 0;

  /** ws: the target speaks WebSocket (frame boundaries are tracked for wsClose). */
  constructor(private readonly target: number, private readonly ws: boolean) {
    this.server = net.createServer((down) => this.accept(down));
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(down: net.Socket): void {
    this.accepted++;
    down.setNoDelay(true);
    const up = net.connect({ host: '127.0.0.1', port: this.target });
    up.setNoDelay(true);
    const c = new Conn(down, up, this.ws);
    this.conns.add(c);
    down.on('data', (d: Buffer) => {
      if (c.asks.feed(d)) this.lastUp = Date.now();
      if (this.dark) c.heldUp.push(d);
      else up.write(d);
    });
    up.on('data', (d: Buffer) => {
      this.lastDown = Date.now();
      this.wakeWaiters();
      this.toDevice(c, d);
    });
    const gone = (): void => {
      if (this.dark && !c.up.destroyed) { c.deviceGone = true; return; }
      this.conns.delete(c);
      c.destroy();
    };
    down.on('close', gone);
    down.on('error', gone);
    // the broker went away: the device sees the close (not during an outage: it cannot get through)
    const brokerGone = (): void => {
      if (c.closing) { this.conns.delete(c); return; }
      if (this.dark) { c.up.destroy(); c.deviceGone = true; return; }
      this.conns.delete(c);
      c.destroy();
    };
    up.on('close', brokerGone);
    up.on('error', brokerGone);
  }

  private toDevice(c: Conn, d: Buffer): void {
    if (c.closing) return;
    if (this.dark) { c.heldDown.push(d); return; }
    if (!this.ws) { c.down.write(d); return; }
    if (!this.pendingWsClose.has(c)) {
      c.frames.boundaries(d);
      c.down.write(d);
      return;
    }
    const b = c.frames.boundaries(d);
    const cut = b.length > 0 ? b[0]! : -1;
    if (cut < 0) { c.down.write(d); return; }
    c.down.write(d.subarray(0, cut));
    this.sendWsClose(c);
  }

  private readonly pendingWsClose = new Set<Conn>();

  private sendWsClose(c: Conn): void {
    this.pendingWsClose.delete(c);
    c.closing = true;
    this.wsClosesSent++;
    c.down.write(WS_CLOSE);
    c.up.destroy();
    // the client answers with its own close and shuts the socket; a bound in case it does not
    setTimeout(() => c.down.destroy(), 2000).unref();
  }

  /** A real reply is on its way: the device asked for one and nothing came back yet. */
  busy(): boolean {
    return !this.dark && this.lastUp > this.lastDown && Date.now() - this.lastUp < REPLY_WAIT_MS;
  }

  private waiters: (() => void)[] = [];

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when the answer busy() waits for has come, or busy() would turn false anyway. */
  waitReply(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, REPLY_WAIT_MS - (Date.now() - this.lastUp) + 1);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /** Link drop: every connection reset at once. */
  cut(): number {
    this.wakeWaiters();
    const n = this.conns.size;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    return n;
  }

  /** The server closes every WebSocket (at its next frame boundary). Returns how many. */
  wsClose(): number {
    if (!this.ws) return 0;
    let n = 0;
    for (const c of this.conns) {
      if (c.closing) continue;
      n++;
      if (c.frames.atBoundary) this.sendWsClose(c);
      else this.pendingWsClose.add(c);
    }
    return n;
  }

  outage(on: boolean): void {
    if (on === this.dark) return;
    this.dark = on;
    if (on) { this.wakeWaiters(); return; }
    for (const c of [...this.conns]) {
      if (c.deviceGone) { this.conns.delete(c); c.destroy(); continue; }
      for (const d of c.heldUp) c.up.write(d);
      const down = c.heldDown;
      c.heldUp = [];
      c.heldDown = [];
      for (const d of down) this.toDevice(c, d);
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
