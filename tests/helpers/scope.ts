// Everything a test starts (simulators, peers, brokers) is registered here
// and torn down after the test, whether it passed or not.
import type { TestContext } from 'node:test';
import { Sim, type SimOptions } from './sim.ts';
import { Peer, type PeerOptions } from './peer.ts';
import { startFixture, type BrokerKind, type BrokerFixture, type FixtureOptions } from './brokers.ts';

export class Scope {
  private readonly items: (() => Promise<void>)[] = [];

  constructor(t: TestContext) {
    t.after(() => this.dispose());
  }

  sim(args: string[], opts: SimOptions = {}): Sim {
    const s = Sim.start(args, { echo: process.env.ATMQTT_ECHO === '1', ...opts });
    this.items.push(() => s.kill());
    return s;
  }

  async peer(url: string, opts: PeerOptions = {}): Promise<Peer> {
    const p = await Peer.connect(url, opts);
    this.items.push(() => p.close());
    return p;
  }

  async broker(kind: BrokerKind, opts: FixtureOptions = {}): Promise<BrokerFixture> {
    const b = await startFixture(kind, opts);
    this.items.push(() => b.dispose());
    return b;
  }

  /** Anything else to undo at teardown (last registered, first undone). */
  defer(f: () => Promise<void> | void): void {
    this.items.push(async () => { await f(); });
  }

  async dispose(): Promise<void> {
    while (this.items.length > 0) {
      const f = this.items.pop()!;
      try { await f(); } catch { /* keep tearing down */ }
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client id unique to this run. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
}
