// Brokers with a WebSocket listener for the ws integration tests: a real
// Mosquitto (one TCP listener on 127.0.0.1 and one websockets listener;
// Mosquitto 2.0.11 cannot bind a websockets listener to an address, so that
// one listens on every interface, on a free port), and the embedded aedes
// of sim/broker.ts (TCP and WebSocket at /mqtt). Also a byte-counting TCP
// proxy, to measure what a transport costs on the wire.
import net from 'node:net';
import { startBroker } from '../../sim/broker.ts';
import { Mosquitto, freePort, waitForPort } from './mosquitto.ts';

export type WsBrokerKind = 'mosquitto' | 'aedes';
export const WS_BROKER_KINDS: readonly WsBrokerKind[] = ['mosquitto', 'aedes'];

export interface WsBroker {
  readonly kind: WsBrokerKind;
  /** mqtt://127.0.0.1:port */
  readonly tcpUrl: string;
  readonly tcpPort: number;
  /** ws://127.0.0.1:port/mqtt */
  readonly wsUrl: string;
  readonly wsPort: number;
  readonly mosquitto?: Mosquitto;
  dispose(): Promise<void>;
}

export async function startWsBroker(kind: WsBrokerKind): Promise<WsBroker> {
  if (kind === 'aedes') {
    const b = await startBroker(0, 0);
    return {
      kind, tcpUrl: b.url, tcpPort: b.port, wsUrl: b.wsUrl, wsPort: b.wsPort,
      dispose: () => b.close(),
    };
  }
  for (let attempt = 0; ; attempt++) {
    const wsPort = await freePort();
    let m: Mosquitto | undefined;
    try {
      m = await Mosquitto.start({ extra: [`listener ${wsPort}`, 'protocol websockets'] });
      await waitForPort(wsPort, 3000, () => m!.running);
      const mm = m;
      return {
        kind, tcpUrl: mm.url, tcpPort: mm.port, wsUrl: `ws://127.0.0.1:${wsPort}/mqtt`, wsPort, mosquitto: mm,
        dispose: () => mm.dispose(),
      };
    } catch (e) {
      await m?.dispose();
      if (attempt >= 2) throw e;
    }
  }
}

/** A TCP proxy on 127.0.0.1 counting the bytes each way. */
export class CountingProxy {
  /** device → broker, broker → device */
  up = 0;
  down = 0;
  connections = 0;
  private readonly sockets = new Set<net.Socket>();
  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetPort: number): Promise<CountingProxy> {
    let self: CountingProxy | undefined;
    const server = net.createServer((client) => {
      const p = self!;
      p.connections++;
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      p.sockets.add(client);
      p.sockets.add(upstream);
      client.on('data', (d: Buffer) => { p.up += d.length; upstream.write(d); });
      upstream.on('data', (d: Buffer) => { p.down += d.length; client.write(d); });
      const end = () => { client.destroy(); upstream.destroy(); p.sockets.delete(client); p.sockets.delete(upstream); };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new CountingProxy(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  snapshot(): { up: number; down: number } { return { up: this.up, down: this.down }; }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
