// A TLS server that watches what a modem does on the wire: every TCP
// connection's first bytes (a TLS ClientHello starts with 0x16, plaintext
// MQTT with 0x10), handshakes completed, SNI, and application bytes
// received after a handshake. Used to show that a refused handshake
// carries no application data and that nothing ever goes in plaintext.
import net from 'node:net';
import tls from 'node:tls';
import type { TestContext } from 'node:test';
import type { ServerCert } from './tls-certs.ts';

/** The first byte of a TLS record carrying a handshake message. */
export const TLS_HANDSHAKE = 0x16;

export interface WatchedTlsServer {
  port: number;
  /** TCP connections accepted */
  connections: number;
  /** the first byte each connection sent, in order */
  firstBytes: number[];
  /** handshakes completed (secureConnection) */
  handshakes: number;
  /** SNI of each completed handshake (false: none sent) */
  servernames: (string | false)[];
  /** application bytes received over completed handshakes */
  appBytes: number;
  /** why handshakes failed on the server side (the client's alert, as OpenSSL names it) */
  clientErrors: string[];
  /** sockets of completed handshakes */
  sockets: tls.TLSSocket[];
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 presenting `cert`. Completed handshakes
 * echo what they receive, or run onSecure instead.
 */
export async function startWatchedTls(t: TestContext | null, cert: ServerCert, onSecure?: (s: tls.TLSSocket) => void): Promise<WatchedTlsServer> {
  const raw = new Set<net.Socket>();
  const secure = tls.createServer({ cert: cert.certPem, key: cert.keyPem });
  const w: WatchedTlsServer = {
    port: 0, connections: 0, firstBytes: [], handshakes: 0, servernames: [], appBytes: 0, clientErrors: [], sockets: [],
    close: () => new Promise<void>((r) => {
      for (const s of raw) s.destroy();
      for (const s of w.sockets) s.destroy();
      outer.close(() => secure.close(() => r()));
    }),
  };
  secure.on('secureConnection', (s: tls.TLSSocket) => {
    w.handshakes++;
    w.servernames.push(s.servername ?? false);
    w.sockets.push(s);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => { w.appBytes += d.length; });
    if (onSecure) onSecure(s);
    else s.pipe(s);
  });
  secure.on('tlsClientError', (e: NodeJS.ErrnoException) => { w.clientErrors.push(e.code ?? e.message); });
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  const inner = (secure.address() as net.AddressInfo).port;
  // a relay in front of the TLS server sees the bytes as the modem sent them
  // (handing a peeked socket to tls.Server loses them: TLS reads the handle)
  const outer = net.createServer((sock) => {
    w.connections++;
    raw.add(sock);
    const relay = net.connect({ host: '127.0.0.1', port: inner });
    raw.add(relay);
    for (const s of [sock, relay]) {
      s.on('close', () => { raw.delete(s); sock.destroy(); relay.destroy(); });
      s.on('error', () => {});
    }
    sock.once('data', (d: Buffer) => w.firstBytes.push(d[0]!));
    sock.pipe(relay);
    relay.pipe(sock);
  });
  await new Promise<void>((r) => outer.listen(0, '127.0.0.1', r));
  w.port = (outer.address() as net.AddressInfo).port;
  t?.after(() => w.close());
  return w;
}

// ---- figures from a --trace log ---------------------------------------------

/** `   12.345 dev->mdm >> …` / `   12.345 mdm->dev << …`: seconds on the emulator's clock (from power-on). */
const TRACE_LINE = /^\s*(\d+\.\d+) (dev->mdm|mdm->dev) (?:>>|<<) (.*)$/;

export interface TraceLine {
  ms: number;
  dir: 'dev->mdm' | 'mdm->dev';
  text: string;
}

/** The UART trace lines of a `--trace` stderr (firmware log lines left out). */
export function uartTrace(stderr: string): TraceLine[] {
  const out: TraceLine[] = [];
  for (const line of stderr.split('\n')) {
    const m = TRACE_LINE.exec(line);
    if (m) out.push({ ms: Math.round(Number(m[1]) * 1000), dir: m[2] as TraceLine['dir'], text: m[3]! });
  }
  return out;
}

/** Commands the device sent that start with prefix (e.g. `AT+CIPSTART`). */
export function sentCommands(stderr: string, prefix: string): TraceLine[] {
  return uartTrace(stderr).filter((l) => l.dir === 'dev->mdm' && l.text.startsWith(prefix));
}

/**
 * ms from the first `AT+CIPSTART` written to the modem until the modem
 * starts printing `0, CONNECT OK` (SIM) / `0,CONNECT` (ESP): the TCP
 * connect, the TLS handshake when secure, and the module's own delay.
 */
export function linkOpenMs(stderr: string): number | null {
  const lines = uartTrace(stderr);
  const start = lines.findIndex((l) => l.dir === 'dev->mdm' && l.text.startsWith('AT+CIPSTART'));
  if (start < 0) return null;
  const up = lines.slice(start).find((l) => l.dir === 'mdm->dev' && /\d, ?CONNECT( OK)?\\r\\n/.test(l.text));
  return up ? up.ms - lines[start]!.ms : null;
}
