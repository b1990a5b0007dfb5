// The soak's printed summary.
import type { SoakResult } from './world.ts';

export function formatReport(r: SoakResult): string {
  const c = r.counts;
  const lines = [
    `soak: seed ${r.seed}, ${r.days} simulated day(s), ${r.segments} segments, plan ${r.planDigest}`,
    `messages     up (device→peer)   QoS 1 ${c.sent.up[1]} sent, ${c.delivered.up[1]} delivered, ${c.lost.up[1]} lost, ${c.duplicates.up[1]} duplicates`,
    `                                QoS 2 ${c.sent.up[2]} sent, ${c.delivered.up[2]} delivered, ${c.lost.up[2]} lost, ${c.duplicates.up[2]} duplicates`,
    `             down (peer→device) QoS 1 ${c.sent.down[1]} sent, ${c.delivered.down[1]} delivered, ${c.lost.down[1]} lost, ${c.duplicates.down[1]} duplicates`,
    `                                QoS 2 ${c.sent.down[2]} sent, ${c.delivered.down[2]} delivered, ${c.lost.down[2]} lost, ${c.duplicates.down[2]} duplicates`,
    `faults       ${Object.entries(c.faults).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `outbox-full  ${c.outboxFull} publish() refusals (${c.outboxFullMessages} messages, retried by the app); other refusals ${c.otherRefusals}`,
    `traps        ${c.traps}`,
    `heap top     start ${r.heap[0]?.start ?? '-'}, end ${r.heap[r.heap.length - 1]?.end ?? '-'}; memory ${r.heap[0]?.memStart ?? '-'} → ${r.heap[r.heap.length - 1]?.memEnd ?? '-'} bytes`,
    `not deterministic: ${r.info.reconnects} connects, ${r.info.loops} loop() calls, errors ${JSON.stringify(r.info.errors)}, ${(r.info.realMs / 1000).toFixed(1)} s real`,
    ...r.verdicts.map((v) => `${v.ok ? 'PASS' : 'FAIL'} ${v.name}: ${v.detail}`),
  ];
  if (r.problems.length > 0) lines.push(`problems (${r.problems.length}, first 20):`, ...r.problems.slice(0, 20));
  lines.push(r.pass ? 'soak: PASS' : 'soak: FAIL');
  return lines.join('\n');
}
