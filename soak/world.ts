// A whole soak: the broker, the two proxies and the peers, then every
// segment of the plan in turn, and the totals.
import { startSoakBroker } from './broker.ts';
import { FaultProxy } from './proxy.ts';
import { Peers } from './peers.ts';
import { runSegment, type SegmentResult } from './segment.ts';
import { digest, faultCounts, type Plan } from './schedule.ts';
import { addCounts, emptyCounts, verdicts, type Counts, type HeapFigures, type Verdict } from './tally.ts';

/** The firmware's outbox records (assembly/config.ts OUTBOX_SLOTS, default profile). */
const OUTBOX_SLOTS = 24;

export interface SoakResult {
  seed: number;
  days: number;
  planDigest: string;
  segments: number;
  plannedFaults: Record<string, number>;
  counts: Counts;
  heap: HeapFigures[];
  verdicts: Verdict[];
  pass: boolean;
  problems: string[];
  /** Not deterministic: depends on real socket timing. */
  info: { realMs: number; loops: number; reconnects: number; errors: Record<string, number>; perSegment: SegmentResult['info'][] };
}

export interface SoakOptions {
  /** Real-time bound per segment (a stuck run ends as a stall, not a hang). */
  segmentRealLimitMs?: number;
  progress?: (line: string) => void;
}

export async function runSoak(plan: Plan, opts: SoakOptions = {}): Promise<SoakResult> {
  const t0 = Date.now();
  const broker = await startSoakBroker();
  const tcpProxy = new FaultProxy(broker.tcpPort, false);
  const wsProxy = new FaultProxy(broker.wsPort, true);
  await tcpProxy.listen();
  await wsProxy.listen();
  const peers = await Peers.start(`mqtt://127.0.0.1:${broker.tcpPort}`, String(plan.seed));
  const counts = emptyCounts();
  const heap: HeapFigures[] = [];
  const problems: string[] = [];
  const perSegment: SegmentResult['info'][] = [];
  const errors: Record<string, number> = {};
  try {
    for (const seg of plan.segments) {
      const r = await runSegment({ broker, tcpProxy, wsProxy, peers }, seg, opts.segmentRealLimitMs ?? 30 * 60_000);
      addCounts(counts, r.counts);
      heap.push(r.heap);
      problems.push(...r.problems);
      perSegment.push(r.info);
      for (const [k, v] of Object.entries(r.info.errors)) errors[k] = (errors[k] ?? 0) + v;
      const c = r.counts;
      opts.progress?.(`segment ${seg.index} ${seg.modem}/${seg.scheme}: up ${c.sent.up[1]}+${c.sent.up[2]} down ${c.sent.down[1]}+${c.sent.down[2]}, ` +
        `faults ${seg.faults.length}, outbox-full ${c.outboxFull}, lost ${c.lost.up[1] + c.lost.up[2] + c.lost.down[1] + c.lost.down[2]}, ` +
        `connects ${r.info.reconnects}, ${(r.info.realMs / 1000).toFixed(1)} s real (${(r.info.waitMs / 1000).toFixed(1)} s waiting for replies, ${(r.info.turnMs / 1000).toFixed(1)} s in event-loop turns, ${r.info.loops} loops)`);
    }
  } finally {
    await peers.close();
    await tcpProxy.close();
    await wsProxy.close();
    await broker.close();
  }
  const filling = plan.segments.flatMap((s) => s.faults)
    .filter((f) => f.kind === 'outage' && ((f.durationMs ?? 0) / plan.roundMs) * 2 > OUTBOX_SLOTS + 2).length;
  const v = verdicts(counts, heap, filling);
  return {
    seed: plan.seed,
    days: plan.days,
    planDigest: digest(plan),
    segments: plan.segments.length,
    plannedFaults: faultCounts(plan),
    counts,
    heap,
    verdicts: v,
    pass: v.every((x) => x.ok),
    problems,
    info: {
      realMs: Date.now() - t0,
      loops: perSegment.reduce((s, x) => s + x.loops, 0),
      reconnects: perSegment.reduce((s, x) => s + x.reconnects, 0),
      errors,
      perSegment,
    },
  };
}

/** The parts of a result that the same seed must reproduce exactly. */
export function deterministicPart(r: SoakResult): object {
  return { seed: r.seed, days: r.days, planDigest: r.planDigest, plannedFaults: r.plannedFaults, sent: r.counts.sent, delivered: r.counts.delivered,
    lost: r.counts.lost, qos2Duplicates: { up: r.counts.duplicates.up[2], down: r.counts.duplicates.down[2] }, faults: r.counts.faults, traps: r.counts.traps,
    heap: r.heap, pass: r.pass };
}
