// The other side of the integration tests: an mqtt.js client that
// publishes to the device and collects what the device publishes.
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';

export type QoS = 0 | 1 | 2;

export interface PeerMessage {
  topic: string;
  payload: Buffer;
  text: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  at: number;
}

export interface PeerOptions {
  clientId?: string;
  username?: string;
  password?: string;
  clean?: boolean;
  /** ms between reconnects; 0 (default) disables reconnecting. */
  reconnectPeriod?: number;
  connectTimeoutMs?: number;
}

const live = new Set<Peer>();

export class Peer {
  readonly client: MqttClient;
  readonly messages: PeerMessage[] = [];
  private listeners = new Set<() => void>();
  connects = 0;

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      this.messages.push({
        topic,
        payload,
        text: payload.toString('utf8'),
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        at: Date.now(),
      });
      this.notify();
    });
    client.on('connect', () => { this.connects++; this.notify(); });
    client.on('error', () => { /* reported through waits and asserts */ });
  }

  /** Connects (bounded by connectTimeoutMs, default 5 s). */
  static async connect(url: string, opts: PeerOptions = {}): Promise<Peer> {
    const o: IClientOptions = {
      protocolVersion: 4,
      clientId: opts.clientId ?? `peer-${Math.random().toString(16).slice(2, 10)}`,
      clean: opts.clean ?? true,
      reconnectPeriod: opts.reconnectPeriod ?? 0,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      keepalive: 30,
    };
    if (opts.username !== undefined) o.username = opts.username;
    if (opts.password !== undefined) o.password = opts.password;
    const client = mqtt.connect(url, o);
    const peer = new Peer(client);
    live.add(peer);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`peer: no CONNACK from ${url} within ${o.connectTimeout} ms`)), (o.connectTimeout ?? 5000) + 500);
        client.once('connect', () => { clearTimeout(t); resolve(); });
        client.once('error', (e) => { clearTimeout(t); reject(e); });
      });
    } catch (e) {
      await peer.close();
      throw e;
    }
    return peer;
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  get connected(): boolean { return this.client.connected; }

  async subscribe(filter: string, qos: QoS): Promise<void> {
    const granted = await withTimeout(this.client.subscribeAsync(filter, { qos }), 5000, `peer subscribe ${filter}`);
    const g = granted[0];
    if (!g || g.qos !== qos) throw new Error(`peer: subscribe ${filter} granted ${JSON.stringify(granted)}`);
  }

  /**
   * Publishes a unique QoS 1 probe on topic and waits until it comes back:
   * proves the peer is connected and subscribed (mqtt.js renews its
   * subscriptions by itself after a reconnect, without telling when).
   */
  async probe(topic: string, timeoutMs: number): Promise<void> {
    const payload = `probe-${Math.random().toString(16).slice(2)}`;
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.publish(topic, payload, 1);
        await this.waitUntil(() => this.messages.some((m) => m.topic === topic && m.text === payload), 500, `probe on ${topic}`);
        return;
      } catch (e) {
        if (Date.now() > until) throw e;
      }
    }
  }

  async publish(topic: string, payload: string | Buffer, qos: QoS, retain = false): Promise<void> {
    await withTimeout(this.client.publishAsync(topic, payload, { qos, retain }), 5000, `peer publish ${topic}`);
  }

  /** Messages whose topic matches (exact string or predicate). */
  on(topic: string | ((t: string) => boolean)): PeerMessage[] {
    const f = typeof topic === 'string' ? (t: string) => t === topic : topic;
    return this.messages.filter((m) => f(m.topic));
  }

  /** Waits until cond() holds (checked on every message / connect), up to timeoutMs. */
  waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => { clearTimeout(timer); this.listeners.delete(listener); };
      const listener = () => { if (cond()) { done(); resolve(); } };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`peer: timeout after ${timeoutMs} ms waiting for ${what}; ${this.messages.length} messages: ${this.summary()}`));
      }, timeoutMs);
      this.listeners.add(listener);
      listener();
    });
  }

  /** Waits for at least n messages matching topic. */
  async waitForMessages(topic: string | ((t: string) => boolean), n: number, timeoutMs: number): Promise<PeerMessage[]> {
    await this.waitUntil(() => this.on(topic).length >= n, timeoutMs, `${n} messages on ${String(topic)}`);
    return this.on(topic);
  }

  /** Waits for the next CONNACK after `after` connects. */
  waitForConnects(n: number, timeoutMs: number): Promise<void> {
    return this.waitUntil(() => this.connects >= n && this.client.connected, timeoutMs, `${n} connects`);
  }

  summary(max = 20): string {
    return this.messages.slice(-max).map((m) => `${m.topic}(q${m.qos}${m.retain ? ',r' : ''}${m.dup ? ',d' : ''})=${m.text.slice(0, 40)}`).join(' ');
  }

  async close(): Promise<void> {
    live.delete(this);
    await withTimeout(this.client.endAsync(true), 3000, 'peer close').catch(() => {});
  }
}

/** Closes every peer still open (for teardown). */
export async function closeAllPeers(): Promise<void> {
  await Promise.all([...live].map((p) => p.close()));
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: timeout after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}
