// Runs one segment of the plan: a fresh firmware (and modem) on the soak
// clock, the planned traffic and faults at their virtual times, then a
// drain until everything sent has arrived, and the tallies.
import type { HostEvent, Message } from '../board/node/host.ts';
import { SoakClock } from './clock.ts';
import { SoakDevice } from './device.ts';
import type { FaultProxy } from './proxy.ts';
import type { Peers } from './peers.ts';
import type { SoakBroker } from './broker.ts';
import { MODEM_FAULTS, type Fault, type Segment } from './schedule.ts';
import { emptyCounts, tallyDelivery, type Counts, type HeapFigures } from './tally.ts';

export interface World {
  broker: SoakBroker;
  tcpProxy: FaultProxy;
  wsProxy: FaultProxy;
  peers: Peers;
}

export interface SegmentResult {
  counts: Counts;
  heap: HeapFigures;
  problems: string[];
  /** Not deterministic (real sockets): how the run went, for the record. */
  info: { loops: number; waitMs: number; turnMs: number; reconnects: number; errors: Record<string, number>; drainMs: number; realMs: number };
}

/** Virtual bound on the drain after a segment's end; real bound on a whole segment. */
const DRAIN_MS = 60 * 60_000;
const BRING_UP_MS = 10 * 60_000;
/** Real ms virtual time may wait for the peer's publishes to reach the broker. */
const PEER_WAIT_MS = 100;
const OUTBOX_FULL = -7;

type Action = { at: number; run: () => Promise<void> | void };

export async function runSegment(w: World, seg: Segment, realLimitMs: number): Promise<SegmentResult> {
  const realStart = Date.now();
  const counts = emptyCounts();
  const problems: string[] = [];
  const errors: Record<string, number> = {};
  const logTail: string[] = [];
  const clock = new SoakClock();
  clock.t = seg.start;
  const base = `soak/s${seg.index}`;
  const upSent: Record<1 | 2, string[]> = { 1: [], 2: [] };
  const downSent: Record<1 | 2, string[]> = { 1: [], 2: [] };
  const upSeenStart = w.peers.received.length;
  const downSeen: Record<1 | 2, Map<string, number>> = { 1: new Map(), 2: new Map() };
  const refusedOnce = new Set<string>();
  /** Messages the app still has to hand to publish() (refused earlier, in order). */
  const backlog: { qos: 1 | 2; text: string }[] = [];
  let reconnects = 0;
  let subscribed = false;

  const onEvent = (e: HostEvent): void => {
    if (e.event === 'connected') reconnects++;
    if (e.event === 'subscribed') subscribed = true;
    if (e.event === 'error') errors[e.code] = (errors[e.code] ?? 0) + 1;
  };
  const onMessage = (m: Message): void => {
    const qos = Number(m.topic.slice(m.topic.lastIndexOf('/') + 1));
    const text = m.payload.toString('utf8');
    if (!m.topic.startsWith(`${base}/down/`) || (qos !== 1 && qos !== 2) || m.qos !== qos) {
      counts.unexpected++;
      problems.push(`device got ${m.topic} QoS ${m.qos} ${JSON.stringify(text)}`);
      return;
    }
    downSeen[qos].set(text, (downSeen[qos].get(text) ?? 0) + 1);
  };
  const onLog = (_level: number, text: string): void => {
    if (process.env.SOAK_DEBUG) process.stderr.write(`s${seg.index} [${((clock.t - seg.start) / 1000).toFixed(3)}] (${Date.now() % 100000}) ${text}\n`);
    // the modem's routine polls would push everything else out of the tail
    if (text.startsWith('at> AT+CIPRECVLEN?') || text.startsWith('at> AT+CIPRXGET=4') || text.startsWith('at< ')) return;
    logTail.push(`[${((clock.t - seg.start) / 1000).toFixed(3)}] ${text}`);
    if (logTail.length > 60) logTail.shift();
  };

  const url = seg.scheme === 'ws' ? `ws://127.0.0.1:${w.wsProxy.port}/mqtt` : `mqtt://127.0.0.1:${w.tcpProxy.port}`;
  const dev = new SoakDevice(clock, seg, url, { onEvent, onMessage, onLog });
  const heapStart = dev.heapStart;
  const memStart = dev.memoryBytes();
  const rc = dev.setup();
  if (rc !== 0) throw new Error(`segment ${seg.index}: setup() returned ${rc}`);
  dev.host.subscribe([{ filter: `${base}/down/+`, qos: 2 }]);

  /** Hands the backlog to publish() in order; stops at the first refusal. */
  const feed = (): void => {
    while (backlog.length > 0) {
      const m = backlog[0]!;
      const r = dev.host.publish(`${base}/up/${m.qos}`, m.text, m.qos, false);
      if (r < 0) {
        if (r === OUTBOX_FULL) counts.outboxFull++; else { counts.otherRefusals++; errors[`publish ${r}`] = (errors[`publish ${r}`] ?? 0) + 1; }
        if (!refusedOnce.has(m.text)) { refusedOnce.add(m.text); if (r === OUTBOX_FULL) counts.outboxFullMessages++; }
        return;
      }
      upSent[m.qos].push(m.text);
      backlog.shift();
    }
  };

  let outageOn = false;
  const setOutage = (on: boolean): void => {
    outageOn = on;
    if (dev.modem) dev.modem.fault(on ? 'outage' : 'clear');
    else { w.tcpProxy.outage(on); w.wsProxy.outage(on); }
  };
  const inject = async (f: Fault): Promise<void> => {
    counts.faults[f.kind] = (counts.faults[f.kind] ?? 0) + 1;
    if ((MODEM_FAULTS as readonly string[]).includes(f.kind) && dev.modem) { dev.modem.fault(f.kind); return; }
    switch (f.kind) {
      case 'drop': w.tcpProxy.cut(); w.wsProxy.cut(); break;
      case 'ws-close': w.wsProxy.wsClose(); break;
      case 'broker-restart': await w.broker.restart(); break;
      case 'outage': setOutage(true); break;
      default: throw new Error(`fault ${f.kind} on a segment without a modem`);
    }
  };

  const actions: Action[] = [];
  seg.rounds.forEach((at, r) => {
    actions.push({
      at,
      run: () => {
        const id = `s${seg.index}-r${String(r).padStart(4, '0')}`;
        backlog.push({ qos: 1, text: `${id}-u1` }, { qos: 2, text: `${id}-u2` });
        feed();
        for (const qos of [1, 2] as const) {
          const text = `${id}-d${qos}`;
          downSent[qos].push(text);
          w.peers.publish(`${base}/down/${qos}`, text, qos);
        }
      },
    });
  });
  for (const f of seg.faults) {
    actions.push({ at: f.at, run: () => inject(f) });
    if (f.kind === 'outage') actions.push({ at: f.at + (f.durationMs ?? 0), run: () => setOutage(false) });
  }
  // stable: at equal times rounds (pushed first) go before faults
  actions.sort((a, b) => a.at - b.at);

  const upSeen = (): Record<1 | 2, Map<string, number>> => {
    const out: Record<1 | 2, Map<string, number>> = { 1: new Map(), 2: new Map() };
    for (let i = upSeenStart; i < w.peers.received.length; i++) {
      const m = w.peers.received[i]!;
      if (!m.topic.startsWith(`${base}/up/`)) continue;
      const qos = Number(m.topic.slice(m.topic.lastIndexOf('/') + 1));
      if ((qos !== 1 && qos !== 2) || m.qos !== qos) { counts.unexpected++; problems.push(`peer got ${m.topic} QoS ${m.qos}`); continue; }
      out[qos].set(m.text, (out[qos].get(m.text) ?? 0) + 1);
    }
    return out;
  };
  const complete = (): boolean => {
    if (backlog.length > 0 || dev.host.pending() > 0 || w.peers.inFlight > 0) return false;
    const up = upSeen();
    for (const qos of [1, 2] as const) {
      if (!upSent[qos].every((p) => up[qos].has(p))) return false;
      if (!downSent[qos].every((p) => downSeen[qos].has(p))) return false;
    }
    return true;
  };

  let trapped = false;
  const step = async (until: number): Promise<void> => {
    try {
      const replyDue = w.tcpProxy.busy() ? () => w.tcpProxy.waitReply()
        : w.wsProxy.busy() ? () => w.wsProxy.waitReply()
          : w.peers.inFlight > 0 ? () => w.peers.settled(PEER_WAIT_MS) : null;
      await dev.step(until, replyDue);
    } catch (e) {
      trapped = true;
      counts.traps++;
      problems.push(`segment ${seg.index} trap at ${clock.t - seg.start} ms: ${String(e)}\n${logTail.join('\n')}`);
    }
  };

  // bring-up: the plan's clock starts once the device is subscribed (the
  // broker would drop messages for it before that: nothing to deliver them to)
  while (!trapped && !subscribed && clock.t - seg.start < BRING_UP_MS && Date.now() - realStart < realLimitMs) await step(clock.t + 1000);
  const shift = clock.t - seg.start;
  for (const a of actions) a.at += shift;
  const end = seg.end + shift;
  let next = 0;
  let nextFeed = 0;
  while (!trapped && clock.t < end) {
    while (next < actions.length && actions[next]!.at <= clock.t) await actions[next++]!.run();
    // the app tries its backlog again once a (virtual) second
    if (backlog.length > 0 && clock.t >= nextFeed) { feed(); nextFeed = clock.t + 1000; }
    await step(Math.min(end, next < actions.length ? actions[next]!.at : Infinity));
    if (Date.now() - realStart > realLimitMs) break;
  }
  // drain: the network comes back, nothing new is sent, everything sent must arrive
  if (outageOn) setOutage(false);
  if (!subscribed) problems.push(`segment ${seg.index}: not subscribed after ${BRING_UP_MS} virtual ms of bring-up`);
  const drainFrom = clock.t;
  while (!trapped && !complete() && clock.t - drainFrom < DRAIN_MS && Date.now() - realStart < realLimitMs) {
    if (backlog.length > 0 && clock.t >= nextFeed) { feed(); nextFeed = clock.t + 1000; }
    await step(clock.t + 1000);
  }
  const drainMs = clock.t - drainFrom;
  if (!trapped && !complete()) {
    counts.stalls++;
    problems.push(`segment ${seg.index} (${seg.modem}/${seg.scheme}) did not drain in ${drainMs} virtual ms:\n${logTail.slice(-25).join('\n')}`);
  }
  // a little longer, for late duplicates
  const settleUntil = clock.t + 5000;
  while (!trapped && clock.t < settleUntil) await step(settleUntil);
  const heapEnd = trapped ? heapStart : dev.heapTop();
  const memEnd = dev.memoryBytes();
  const loops = dev.loops;
  const waitMs = Math.round(dev.waitMs);
  const turnMs = Math.round(dev.turnMs);
  dev.close();

  const up = upSeen();
  for (const qos of [1, 2] as const) {
    tallyDelivery(counts, 'up', qos, upSent[qos], up[qos], problems);
    tallyDelivery(counts, 'down', qos, downSent[qos], downSeen[qos], problems);
  }
  // what could not even be handed over is lost too (a segment that ended early)
  for (const m of backlog) { counts.lost.up[m.qos]++; problems.push(`up QoS ${m.qos} ${m.text} never accepted`); }
  return {
    counts,
    heap: { start: heapStart, end: heapEnd, memStart, memEnd },
    problems,
    info: { loops, waitMs, turnMs, reconnects, errors, drainMs, realMs: Date.now() - realStart },
  };
}
