// The module's sockets, bridged to real TCP (and TLS) connections: open,
// write, drop, and the 'outage' fault, during which nothing passes either
// way and nothing is closed.
import net from 'node:net';
import { connectTls, type TlsLink } from './tls.ts';

export interface TcpHandlers {
  /** connected (with TLS: the handshake done and the server verified) */
  connect(): void;
  data(b: Buffer): void;
  /**
   * peer closed or the connection failed; err set when it never connected
   * or broke; handshake true when TCP was up but TLS never completed
   */
  close(err: NodeJS.ErrnoException | null, handshake: boolean): void;
}

export interface BridgeHost {
  /** the CA the module verifies TLS peers against (default: Node's store) */
  readonly ca: string | undefined;
  epoch(): number;
  /** may handlers of that power epoch still run? */
  live(epoch: number): boolean;
  /** an emulator timer (dropped with the power epoch) */
  after(ms: number, fn: () => void): void;
  /** during an outage, how long a connect tries before it fails */
  outageConnectFailMs(): number;
}

export class TcpBridge {
  readonly sockets = new Set<net.Socket>();
  /** the network beyond the module is gone: nothing passes either way, nothing is closed */
  outage = false;
  private readonly held = new Map<net.Socket, Uint8Array[]>();
  private readonly connectTimers = new Map<net.Socket, NodeJS.Timeout>();

  constructor(private readonly host: BridgeHost) {}

  startOutage(): void {
    this.outage = true;
    for (const s of this.sockets) s.pause();
  }

  /** Sends to the peer; during an outage the bytes wait, as in a TCP retransmit queue. */
  write(sock: net.Socket, data: Uint8Array): void {
    if (!this.outage) { sock.write(data); return; }
    const q = this.held.get(sock) ?? [];
    q.push(data);
    this.held.set(sock, q);
  }

  endOutage(): void {
    if (!this.outage) return;
    this.outage = false;
    for (const [sock, q] of this.held) {
      if (sock.destroyed) continue;
      // a socket closed meanwhile goes now; the others get what waited
      if (!this.sockets.has(sock)) sock.destroy();
      else for (const d of q) sock.write(d);
    }
    this.held.clear();
    for (const s of this.sockets) s.resume();
  }

  /** The emulator is gone: nothing held back any more. */
  close(): void {
    this.outage = false;
    for (const sock of this.held.keys()) sock.destroy();
    this.held.clear();
    this.killAll();
  }

  /** A hung module: links stay up, unserviced. */
  pauseAll(): void {
    for (const s of this.sockets) s.pause();
  }

  /**
   * Opens a real TCP connection, or TLS over it when `secure` is given
   * (connect() then waits for the verified handshake); handlers run only
   * while this power epoch lasts.
   */
  open(host: string, port: number, timeoutMs: number, h: TcpHandlers, secure?: TlsLink): net.Socket {
    const epoch = this.host.epoch();
    const live = (): boolean => this.host.live(epoch);
    if (this.outage) {
      // no route: the attempt fails after a while, without touching the network
      this.host.after(this.host.outageConnectFailMs(), () => h.close(Object.assign(new Error('no network'), { code: 'ETIMEDOUT' }), false));
      return new net.Socket();
    }
    const sock = secure ? connectTls(host, port, secure, this.host.ca) : net.connect({ host, port });
    sock.setNoDelay(true);
    this.sockets.add(sock);
    let connected = false;
    /** TCP up (with TLS: the handshake is running) */
    let tcpUp = false;
    let ended = false;
    const finish = (err: NodeJS.ErrnoException | null): void => {
      if (ended) return;
      ended = true;
      this.sockets.delete(sock);
      clearTimeout(timer);
      this.connectTimers.delete(sock);
      sock.destroy();
      if (live()) h.close(err, secure !== undefined && tcpUp && !connected);
    };
    // real time on purpose: the socket is real
    const timer = setTimeout(() => {
      if (!connected) finish(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    timer.unref();
    this.connectTimers.set(sock, timer);
    const up = (): void => {
      clearTimeout(timer);
      connected = true;
      if (live()) h.connect();
    };
    sock.on('connect', () => {
      tcpUp = true;
      if (!secure) up();
    });
    if (secure) sock.on('secureConnect', up);
    sock.on('data', (d: Buffer) => { if (live() && !ended) h.data(d); });
    sock.on('end', () => finish(null));
    sock.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); finish(e); });
    sock.on('close', () => { clearTimeout(timer); finish(connected ? null : Object.assign(new Error('closed'), { code: 'ECONNRESET' })); });
    return sock;
  }

  /** Closes a bridged socket from the modem side (no handler runs). */
  drop(sock: net.Socket | null, graceful = false): void {
    if (!sock) return;
    this.sockets.delete(sock);
    clearTimeout(this.connectTimers.get(sock));
    this.connectTimers.delete(sock);
    sock.removeAllListeners('data');
    sock.removeAllListeners('end');
    sock.removeAllListeners('close');
    sock.removeAllListeners('error');
    sock.on('error', () => {});
    if (this.outage) {
      // the FIN or RST cannot get out either: the peer finds out by its keep alive
      this.held.set(sock, []);
      return;
    }
    if (graceful) {
      sock.end();
      setTimeout(() => sock.destroy(), 2000).unref();
    } else {
      sock.destroy();
    }
  }

  killAll(): void {
    for (const s of [...this.sockets]) this.drop(s);
    this.sockets.clear();
  }
}
