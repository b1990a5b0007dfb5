// A real Mosquitto for the integration tests: started on a free loopback
// port with a generated configuration in a temporary directory, stopped,
// restarted on the same port, frozen (SIGSTOP) and thawed (SIGCONT).
// Optionally with a TLS listener and a TLS WebSocket listener beside the
// plain one, presenting a chosen certificate from tls-certs.ts.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { tlsCerts, type ServerCert, type ServerCertName } from './tls-certs.ts';

export const MOSQUITTO_BIN = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD_BIN = process.env.MOSQUITTO_PASSWD ?? 'mosquitto_passwd';

export interface MosquittoOptions {
  /** username → password; when given, allow_anonymous is false. */
  users?: Record<string, string>;
  /** A fixed port (default: a free one). */
  port?: number;
  /** Extra configuration lines. */
  extra?: string[];
  /** TLS listeners besides the plain one (which stays, for peers and probes). */
  tls?: MosquittoTlsOptions;
}

export interface MosquittoTlsOptions {
  /** The certificate the TLS listeners present (default 'server', the valid one). */
  cert?: ServerCert | ServerCertName;
  /** Also a TLS WebSocket listener (wss://…/mqtt). */
  ws?: boolean;
}

const live = new Set<Mosquitto>();
process.on('exit', () => {
  for (const m of live) m.killNow();
});

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once a TCP connection to port succeeds; rejects after timeoutMs.
 * onProbe gets the local port of every probe that connected.
 */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true,
  onProbe?: (localPort: number) => void): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port });
      const done = (v: boolean) => { c.destroy(); resolve(v); };
      c.once('connect', () => { if (c.localPort !== undefined) onProbe?.(c.localPort); done(true); });
      c.once('error', () => done(false));
      c.setTimeout(500, () => done(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`process died before port ${port} accepted connections`);
    if (Date.now() > until) throw new Error(`port ${port} did not accept connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class Mosquitto {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  readonly confFile: string;
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  private frozen = false;
  /** The readiness probes, "sourcePort>listenerPort", left out of connections(). */
  private readonly probeSources = new Set<string>();
  /** The TLS listener's port (127.0.0.1), when started with tls. */
  tlsPort: number | undefined;
  /** The TLS WebSocket listener's port (every interface), when started with tls.ws. */
  wssPort: number | undefined;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.url = `mqtt://127.0.0.1:${port}`;
    this.logFile = join(dir, 'mosquitto.log');
    this.confFile = join(dir, 'mosquitto.conf');
  }

  /** mqtts://HOST:tlsPort; the host name is what the client verifies the certificate against. */
  tlsUrl(host = '127.0.0.1'): string {
    if (this.tlsPort === undefined) throw new Error('mosquitto: started without tls');
    return `mqtts://${host}:${this.tlsPort}`;
  }

  /** wss://HOST:wssPort/mqtt */
  wssUrl(host = '127.0.0.1'): string {
    if (this.wssPort === undefined) throw new Error('mosquitto: started without tls.ws');
    return `wss://${host}:${this.wssPort}/mqtt`;
  }

  /** Starts Mosquitto and waits until it accepts connections. */
  static async start(opts: MosquittoOptions = {}): Promise<Mosquitto> {
    // free ports for the TLS listeners may be taken before Mosquitto binds them
    for (let attempt = 0; ; attempt++) {
      try {
        return await Mosquitto.startOnce(opts);
      } catch (e) {
        if (!opts.tls || attempt >= 2) throw e;
      }
    }
  }

  private static async startOnce(opts: MosquittoOptions): Promise<Mosquitto> {
    const dir = mkdtempSync(join(tmpdir(), 'atmqtt-mosq-'));
    const port = opts.port ?? await freePort();
    const m = new Mosquitto(dir, port);
    const lines = [
      `listener ${port} 127.0.0.1`,
      'persistence false',
      `log_dest file ${m.logFile}`,
      'log_type all',
      'connection_messages true',
      'log_timestamp true',
      'log_timestamp_format %s',
    ];
    // Run as root (containers): keep root rather than switching to a user
    // that cannot read the temporary directory.
    if (process.getuid?.() === 0) lines.push('user root');
    if (opts.users && Object.keys(opts.users).length > 0) {
      const pw = join(dir, 'passwd');
      let first = true;
      for (const [u, p] of Object.entries(opts.users)) {
        execFileSync(MOSQUITTO_PASSWD_BIN, first ? ['-b', '-c', pw, u, p] : ['-b', pw, u, p], { stdio: 'pipe' });
        first = false;
      }
      lines.push('allow_anonymous false', `password_file ${pw}`);
    } else {
      lines.push('allow_anonymous true');
    }
    if (opts.tls) lines.push(...await m.tlsListeners(opts.tls));
    lines.push(...(opts.extra ?? []));
    writeFileSync(m.confFile, lines.join('\n') + '\n');
    live.add(m);
    try {
      await m.launch();
    } catch (e) {
      await m.dispose();
      throw e;
    }
    return m;
  }

  // cafile/certfile/keyfile apply to the listener above them. The WebSocket
  // one cannot bind to an address in Mosquitto 2.0.11: every interface.
  private async tlsListeners(o: MosquittoTlsOptions): Promise<string[]> {
    const certs = tlsCerts();
    const c = typeof o.cert === 'object' ? o.cert : certs[o.cert ?? 'server'];
    const files = [`cafile ${certs.ca.cert}`, `certfile ${c.cert}`, `keyfile ${c.key}`];
    this.tlsPort = await freePort();
    const lines = [`listener ${this.tlsPort} 127.0.0.1`, ...files];
    if (o.ws) {
      this.wssPort = await freePort();
      lines.push(`listener ${this.wssPort}`, 'protocol websockets', ...files);
    }
    return lines;
  }

  get pid(): number {
    const pid = this.proc?.pid;
    if (pid === undefined) throw new Error('mosquitto is not running');
    return pid;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private async launch(): Promise<void> {
    const proc = spawn(MOSQUITTO_BIN, ['-c', this.confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    this.frozen = false;
    proc.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', (e) => { this.stderr += String(e); resolve(); });
    });
    try {
      // Restarts on the same port may meet a listening socket that the
      // kernel has not yet released; Mosquitto then exits: retry a little.
      const alive = () => proc.exitCode === null && proc.signalCode === null;
      // Probes are told apart by source port, not counted: on a TLS listener
      // Mosquitto logs "New connection" only when the probe's close has not
      // yet arrived at accept time (else "Client connection from … failed").
      for (const port of [this.port, this.tlsPort, this.wssPort]) {
        if (port !== undefined) await waitForPort(port, 5000, alive, (src) => { this.probeSources.add(`${src}>${port}`); });
      }
    } catch (e) {
      await this.stop();
      throw new Error(`mosquitto did not start on ${this.port}: ${(e as Error).message}\n${this.stderr}\n${this.log()}`);
    }
  }

  /** Stops it (SIGTERM, then SIGKILL after 3 s); resolves once it exited. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) { this.proc = null; return; }
    if (this.frozen) this.thaw();
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(t);
    this.proc = null;
  }

  /** Starts it again on the same port (after stop(), or stops it first). */
  async restart(): Promise<void> {
    await this.stop();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.launch();
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** SIGSTOP: the process stops answering; the kernel still accepts TCP bytes. */
  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (this.proc?.pid !== undefined) process.kill(this.proc.pid, 'SIGCONT');
    this.frozen = false;
  }

  /** The log so far. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** TCP connections accepted from clients (the readiness probes left out). */
  connections(): number {
    return this.logLines(/New connection from/).filter((l) => {
      const m = /New connection from \S+:(\d+) on port (\d+)/.exec(l);
      return !(m && this.probeSources.has(`${m[1]}>${m[2]}`));
    }).length;
  }

  /** Log lines, optionally only those matching re. */
  logLines(re?: RegExp): string[] {
    const lines = this.log().split('\n').filter((l) => l !== '');
    return re ? lines.filter((l) => re.test(l)) : lines;
  }

  /** Stops it and removes its directory. Safe to call twice. */
  async dispose(): Promise<void> {
    await this.stop();
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous last resort at process exit. */
  killNow(): void {
    try {
      if (this.proc?.pid !== undefined && this.running) {
        process.kill(this.proc.pid, 'SIGKILL');
      }
    } catch { /* gone */ }
  }
}
