// One face for both brokers the integration tests run against: the
// embedded aedes of sim/broker.ts (in this process) and a real Mosquitto.
import net from 'node:net';
import { Aedes } from 'aedes';
import { startBroker, type EmbeddedBroker } from '../../sim/broker.ts';
import { Mosquitto, type MosquittoOptions } from './mosquitto.ts';

export type BrokerKind = 'aedes' | 'mosquitto';
export const BROKER_KINDS: readonly BrokerKind[] = ['aedes', 'mosquitto'];

export interface BrokerFixture {
  readonly kind: BrokerKind;
  readonly url: string;
  readonly port: number;
  /** The Mosquitto process, for the Mosquitto fixture. */
  readonly mosquitto?: Mosquitto;
  /** TCP connections accepted so far (aedes with users only; Mosquitto: from its log). */
  connections(): number;
  /** Stops accepting and closes every client. */
  stop(): Promise<void>;
  /** Starts again on the same port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export interface FixtureOptions {
  /** username → password; anonymous clients are refused. */
  users?: Record<string, string>;
  mosquitto?: MosquittoOptions;
}

export async function startFixture(kind: BrokerKind, opts: FixtureOptions = {}): Promise<BrokerFixture> {
  if (kind === 'mosquitto') return MosquittoFixture.create(opts);
  if (opts.users) return AuthAedesFixture.create(opts.users);
  return AedesFixture.create();
}

class MosquittoFixture implements BrokerFixture {
  readonly kind = 'mosquitto' as const;
  constructor(readonly mosquitto: Mosquitto) {}
  static async create(opts: FixtureOptions): Promise<MosquittoFixture> {
    return new MosquittoFixture(await Mosquitto.start({ ...opts.mosquitto, users: opts.users }));
  }
  get url(): string { return this.mosquitto.url; }
  get port(): number { return this.mosquitto.port; }
  connections(): number { return this.mosquitto.connections(); }
  stop(): Promise<void> { return this.mosquitto.stop(); }
  start(): Promise<void> { return this.mosquitto.restart(); }
  dispose(): Promise<void> { return this.mosquitto.dispose(); }
}

/** sim/broker.ts, as the CLI runs it without --broker. */
class AedesFixture implements BrokerFixture {
  readonly kind = 'aedes' as const;
  private b: EmbeddedBroker | null;
  readonly port: number;
  private constructor(b: EmbeddedBroker) { this.b = b; this.port = b.port; }
  static async create(): Promise<AedesFixture> {
    // WebSocket side on a free port too: the default (8080) may be taken
    return new AedesFixture(await startBroker(0, 0));
  }
  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }
  connections(): number { return -1; }
  async stop(): Promise<void> {
    const b = this.b;
    this.b = null;
    await b?.close();
  }
  async start(): Promise<void> {
    if (this.b) return;
    for (let attempt = 0; ; attempt++) {
      const b = await startBroker(this.port, 0);
      if (b.port === this.port) { this.b = b; return; }
      await b.close();
      if (attempt >= 10) throw new Error(`aedes: port ${this.port} not free again`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  dispose(): Promise<void> { return this.stop(); }
}

/** aedes with a username/password check (sim/broker.ts has none). */
class AuthAedesFixture implements BrokerFixture {
  readonly kind = 'aedes' as const;
  private accepted = 0;
  private constructor(private readonly aedes: Aedes, private readonly server: net.Server, readonly port: number) {
    server.on('connection', () => { this.accepted++; });
  }
  static async create(users: Record<string, string>): Promise<AuthAedesFixture> {
    const aedes = await Aedes.createBroker({
      authenticate: (_client, username, password, done) => {
        const ok = username !== undefined && users[username] !== undefined && password?.toString() === users[username];
        if (ok) done(null, true);
        else done(Object.assign(new Error('bad username or password'), { returnCode: 4 }) as never, false);
      },
    });
    const server = net.createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new AuthAedesFixture(aedes, server, (server.address() as net.AddressInfo).port);
  }
  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }
  connections(): number { return this.accepted; }
  stop(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close();
      this.aedes.close(() => resolve());
    });
  }
  start(): Promise<void> { return Promise.reject(new Error('not supported')); }
  dispose(): Promise<void> { return this.stop(); }
}
