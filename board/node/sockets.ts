// The host sockets of board/ABI.md (sock_open … sock_close) on node:net,
// and on node:tls when the firmware asks for TLS (flags bit 0). The host
// does the whole TLS job: handshake, certificate chain, host name.
import net from 'node:net';
import tls from 'node:tls';

/** sock_open flags and the sock_state code for a refused handshake (board/ABI.md). */
export const SOCK_TLS = 1;
export const SOCK_INSECURE = 2;
export const E_UNSUPPORTED = -20;
export const E_TLS = -29;

/** Maximum bytes queued in a socket before sock_write reports 0. */
const SEND_HIGH_WATER = 64 * 1024;

export interface SocketOptions {
  /** PEM text of the CA in slot 0; unset: Node's default trust store. */
  ca?: string;
  /** A host log line: level 1 error, 2 warn, 3 info. */
  log: (level: number, text: string) => void;
  /** Something happened on a socket: run the firmware's loop soon. */
  wake: () => void;
}

interface Sock {
  /** The TCP connection: what a lost network resets. */
  tcp: net.Socket;
  /** What the firmware's bytes go through: tcp itself, or the TLS layer on it. */
  stream: net.Socket;
  /** 0 connecting (TCP, then the handshake), 1 open, 2 closed, -1 error, -29 TLS refused */
  state: number;
  rx: Buffer[];
}

export class HostSockets {
  private readonly socks = new Map<number, Sock>();
  private nextHandle = 1;

  constructor(private readonly o: SocketOptions) {}

  /** sock_open: a handle ≥ 0 at once; the outcome shows in state(). */
  open(host: string, port: number, flags: number): number {
    const h = this.nextHandle++;
    const tcp = net.connect({ host, port });
    tcp.setNoDelay(true);
    const s: Sock = { tcp, stream: tcp, state: 0, rx: [] };
    this.socks.set(h, s);
    const wake = this.o.wake;
    if (flags & SOCK_TLS) {
      s.stream = this.secure(s, host, port, flags);
    } else {
      tcp.on('connect', () => { s.state = 1; wake(); });
    }
    s.stream.on('data', (d: Buffer) => { s.rx.push(d); wake(); });
    s.stream.on('drain', wake);
    for (const x of new Set([tcp, s.stream])) {
      x.on('error', () => { if (s.state >= 0) s.state = -1; wake(); });
      x.on('close', () => { if (s.state >= 0) s.state = 2; wake(); });
    }
    return h;
  }

  // The TLS layer over tcp. The socket counts as open only after the
  // handshake and verification, and sock_write takes nothing before: no
  // application byte reaches a server that was not verified.
  private secure(s: Sock, host: string, port: number, flags: number): tls.TLSSocket {
    const where = `tls ${host}:${port}`;
    const insecure = (flags & SOCK_INSECURE) !== 0;
    const slot = (flags >> 8) & 0xff;
    const t0 = Date.now();
    const opts: tls.ConnectionOptions = { socket: s.tcp, host, rejectUnauthorized: !insecure };
    // SNI carries names only (RFC 6066); for an address Node checks the IP SANs
    if (net.isIP(host) === 0) opts.servername = host;
    if (this.o.ca !== undefined) opts.ca = this.o.ca;
    const t = tls.connect(opts);
    let tcpUp = false;
    s.tcp.once('connect', () => { tcpUp = true; });
    if (slot !== 0) {
      // one CA per host here (--ca); another slot would verify against nothing meant
      this.o.log(1, `${where}: refused: CA slot ${slot} is not configured on this host (only slot 0, --ca)`);
      s.state = E_TLS;
      t.destroy();
      s.tcp.destroy();
      return t;
    }
    t.once('secureConnect', () => {
      const how = `${t.getProtocol() ?? '?'} ${t.getCipher().name}, ${Date.now() - t0} ms`;
      if (t.authorized) {
        this.o.log(3, `${where}: verified (${how})`);
      } else {
        this.o.log(2, `${where}: WARNING insecure: certificate and host name NOT verified` +
          ` (${String(t.authorizationError ?? 'no error')}); anyone on the path can read and change this connection (${how})`);
      }
      if (s.state === 0) s.state = 1;
      this.o.wake();
    });
    t.once('error', (e: NodeJS.ErrnoException) => {
      if (s.state !== 0) return;
      // before the TCP connect it is a network error (refused, unreachable), not TLS
      if (!tcpUp) return;
      s.state = E_TLS;
      this.o.log(1, `${where}: TLS handshake failed: ${e.code ?? 'ERR_TLS'}: ${e.message}`);
      this.o.wake();
    });
    return t;
  }

  /** sock_write: bytes taken, 0 while connecting or the send buffer is full, -1 once closed. */
  write(h: number, data: () => Uint8Array): number {
    const s = this.socks.get(h);
    if (!s || s.state < 0 || s.state === 2) return -1;
    if (s.state === 0 || s.stream.writableLength > SEND_HIGH_WATER) return 0;
    const d = data();
    s.stream.write(Buffer.from(d));
    return d.length;
  }

  /** sock_read into put(offset, bytes): bytes copied, 0 when none, -1 once closed and drained. */
  read(h: number, max: number, put: (offset: number, bytes: Uint8Array) => void): number {
    const s = this.socks.get(h);
    if (!s) return -1;
    let got = 0;
    while (got < max && s.rx.length > 0) {
      const head = s.rx[0];
      const k = Math.min(head.length, max - got);
      put(got, head.subarray(0, k));
      got += k;
      if (k === head.length) s.rx.shift();
      else s.rx[0] = head.subarray(k);
    }
    if (got === 0 && (s.state === 2 || s.state < 0)) return -1;
    return got;
  }

  state(h: number): number {
    return this.socks.get(h)?.state ?? -1;
  }

  close(h: number): void {
    const s = this.socks.get(h);
    if (!s) return;
    this.socks.delete(h);
    s.stream.destroy();
    s.tcp.destroy();
  }

  closeAll(): void {
    for (const h of [...this.socks.keys()]) this.close(h);
  }

  /** Cuts every link at once, as a lost network would (TCP RST, no TLS close_notify). */
  dropAll(): void {
    for (const s of this.socks.values()) {
      s.tcp.resetAndDestroy();
      if (s.stream !== s.tcp) s.stream.destroy();
      s.state = 2;
    }
    this.o.wake();
  }
}
