// The device's counterparts: a real mqtt.js subscriber to everything the
// device publishes and a real mqtt.js publisher toward the device, both
// with persistent sessions (CleanSession 0) so that a broker restart loses
// nothing of theirs either.
import mqtt, { type MqttClient } from 'mqtt';

export interface Received { topic: string; text: string; qos: number }

function connect(url: string, clientId: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 4, clientId, clean: false, reconnectPeriod: 100, connectTimeout: 5000, keepalive: 30 });
  c.on('error', () => { /* reconnects; losses show in the tallies */ });
  // mqtt.js leaves Nagle on: each QoS 2 exchange would wait on delayed ACKs (~40 ms)
  c.on('connect', () => { (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); });
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    setTimeout(() => reject(new Error(`${clientId}: no connection to ${url}`)), 10_000).unref();
  });
}

export class Peers {
  readonly received: Received[] = [];
  /** Publishes toward the device not yet acknowledged by the broker. */
  inFlight = 0;
  readonly publishErrors: string[] = [];

  private constructor(private readonly sub: MqttClient, private readonly pub: MqttClient) {
    sub.on('message', (topic, payload, packet) => {
      this.received.push({ topic, text: payload.toString('utf8'), qos: packet.qos });
    });
  }

  static async start(url: string, tag: string): Promise<Peers> {
    const sub = await connect(url, `soak-sub-${tag}`);
    await sub.subscribeAsync('soak/+/up/+', { qos: 2 });
    const pub = await connect(url, `soak-pub-${tag}`);
    return new Peers(sub, pub);
  }

  publish(topic: string, text: string, qos: 1 | 2): void {
    this.inFlight++;
    this.pub.publishAsync(topic, text, { qos })
      .catch((e: unknown) => { this.publishErrors.push(`${text}: ${String(e)}`); })
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
      });
  }

  private waiters: (() => void)[] = [];

  /** Resolves when every publish toward the device has been acknowledged by the broker, or after capMs. */
  settled(capMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, capMs);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.sub.endAsync(true), this.pub.endAsync(true)]);
  }
}
