// What a soak counts, and the verdicts drawn from the counts.

export type Dir = 'up' | 'down';

export interface Counts {
  /** Messages sent (up: accepted by the firmware's publish(); down: published by the mqtt.js peer), by QoS. */
  sent: Record<Dir, { 1: number; 2: number }>;
  /** Distinct messages that arrived. */
  delivered: Record<Dir, { 1: number; 2: number }>;
  /** Sent and never arrived. */
  lost: Record<Dir, { 1: number; 2: number }>;
  /** Extra arrivals of a message (allowed for QoS 1, a failure for QoS 2). */
  duplicates: Record<Dir, { 1: number; 2: number }>;
  /** Arrivals of something never sent, or at the wrong QoS. */
  unexpected: number;
  /** publish() calls the firmware refused with outbox-full (the app retries them later: not lost). */
  outboxFull: number;
  /** Distinct messages that were refused at least once. */
  outboxFullMessages: number;
  /** publish() refusals other than outbox-full. */
  otherRefusals: number;
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  traps: number;
  /** Segments whose traffic did not all arrive within the drain bound. */
  stalls: number;
}

const q = (): { 1: number; 2: number } => ({ 1: 0, 2: 0 });

export function emptyCounts(): Counts {
  return {
    sent: { up: q(), down: q() }, delivered: { up: q(), down: q() }, lost: { up: q(), down: q() },
    duplicates: { up: q(), down: q() }, unexpected: 0, outboxFull: 0, outboxFullMessages: 0, otherRefusals: 0,
    faults: {}, traps: 0, stalls: 0,
  };
}

export function addCounts(a: Counts, b: Counts): void {
  for (const k of ['sent', 'delivered', 'lost', 'duplicates'] as const) {
    for (const d of ['up', 'down'] as const) { a[k][d][1] += b[k][d][1]; a[k][d][2] += b[k][d][2]; }
  }
  a.unexpected += b.unexpected;
  a.outboxFull += b.outboxFull;
  a.outboxFullMessages += b.outboxFullMessages;
  a.otherRefusals += b.otherRefusals;
  a.traps += b.traps;
  a.stalls += b.stalls;
  for (const [k, v] of Object.entries(b.faults)) a.faults[k] = (a.faults[k] ?? 0) + v;
}

/**
 * Compares what was sent with what arrived (payload → times seen), into c.
 * exactly: QoS 2 (a second arrival is a duplicate failure).
 */
export function tallyDelivery(c: Counts, dir: Dir, qos: 1 | 2, sent: string[], seen: Map<string, number>, problems: string[]): void {
  const want = new Set(sent);
  c.sent[dir][qos] += sent.length;
  for (const p of sent) {
    const n = seen.get(p) ?? 0;
    if (n === 0) { c.lost[dir][qos]++; problems.push(`${dir} QoS ${qos} ${p} lost`); continue; }
    c.delivered[dir][qos]++;
    if (n > 1) {
      c.duplicates[dir][qos] += n - 1;
      if (qos === 2) problems.push(`${dir} QoS 2 ${p} delivered ${n} times`);
    }
  }
  for (const [p, n] of seen) {
    if (!want.has(p)) { c.unexpected += n; problems.push(`${dir} QoS ${qos} unexpected ${JSON.stringify(p)} ×${n}`); }
  }
}

export interface Verdict { name: string; ok: boolean; detail: string }

/** The heap top (stub runtime) and linear memory bytes, before setup() and at a segment's end. */
export interface HeapFigures { start: number; end: number; memStart: number; memEnd: number }

/** The pass criteria of the soak. */
export function verdicts(c: Counts, heap: HeapFigures[], plannedOutages: number): Verdict[] {
  const lost1 = c.lost.up[1] + c.lost.down[1];
  const lost2 = c.lost.up[2] + c.lost.down[2];
  const dup2 = c.duplicates.up[2] + c.duplicates.down[2];
  const moved = heap.filter((h) => h.end !== h.start || h.memEnd !== h.memStart);
  return [
    { name: 'no QoS 1 message lost', ok: lost1 === 0, detail: `${lost1} lost` },
    { name: 'no QoS 2 message lost or duplicated', ok: lost2 === 0 && dup2 === 0, detail: `${lost2} lost, ${dup2} duplicated` },
    { name: 'nothing unexpected delivered', ok: c.unexpected === 0, detail: `${c.unexpected}` },
    {
      name: 'outbox-full reported by publish(), never silent',
      // refusals are only counted when the API said so; any silent drop would show as a loss above
      ok: lost1 + lost2 === 0 && (plannedOutages === 0 || c.outboxFull > 0),
      detail: `${c.outboxFull} refusals (${c.outboxFullMessages} messages, all retried and delivered) over ${plannedOutages} outages`,
    },
    { name: 'no trap', ok: c.traps === 0, detail: `${c.traps}` },
    { name: 'every segment drained', ok: c.stalls === 0, detail: `${c.stalls} stalled` },
    {
      name: 'heap top did not move, memory did not grow', ok: moved.length === 0,
      detail: heap.length > 0 ? `heap top ${heap[0]!.start} → ${heap[heap.length - 1]!.end}, memory ${heap[0]!.memStart} → ${heap[heap.length - 1]!.memEnd} bytes, ${moved.length} of ${heap.length} segments moved` : 'no segment',
    },
  ];
}
