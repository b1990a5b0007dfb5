// The CI slice of the deterministic fault soak (docs/soak.md): about one
// simulated day with a fixed seed through every transport, against a real
// Mosquitto with persistence and real mqtt.js peers, held to the soak's
// pass criteria; and a short seed run twice, which must give the same
// schedule and the same counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePlan, digest } from '../../soak/schedule.ts';
import { runSoak, deterministicPart } from '../../soak/world.ts';
import { formatReport } from '../../soak/report.ts';

test('soak: one simulated day, seed 11: nothing lost, no QoS 2 twice, outbox-full reported, no trap, heap top still', { timeout: 600_000 }, async () => {
  // the defaults of npm run soak: 6 h segments, a round every 20 s
  const plan = makePlan(11, 1);
  const r = await runSoak(plan);
  const report = formatReport(r);
  console.log(report);
  for (const v of r.verdicts) assert.ok(v.ok, `${v.name}: ${v.detail}\n${report}`);
  assert.equal(r.segments, 4);
  // the day covered every transport kind and every fault kind it planned
  for (const kind of ['drop', 'outage', 'broker-restart', 'ws-close']) assert.ok((r.counts.faults[kind] ?? 0) > 0, `${kind} injected`);
  assert.ok(r.counts.outboxFull > 0, 'an outage filled the outbox');
  assert.ok(r.counts.sent.up[1] > 1000 && r.counts.sent.down[2] > 1000, 'traffic flowed');
});

test('soak: the same seed gives the same schedule and the same counts', { timeout: 300_000 }, async () => {
  const opts = { segmentMs: 90 * 60_000, roundMs: 20_000 };
  const a = makePlan(5, 0.25, opts);
  const b = makePlan(5, 0.25, opts);
  assert.equal(digest(a), digest(b));
  assert.notEqual(digest(a), digest(makePlan(6, 0.25, opts)), 'another seed, another plan');
  assert.ok(a.segments.reduce((n, s) => n + s.faults.length, 0) >= 8, 'the short plan has faults in it');
  const ra = await runSoak(a);
  const rb = await runSoak(b);
  assert.ok(ra.pass, formatReport(ra));
  assert.ok(rb.pass, formatReport(rb));
  assert.deepEqual(deterministicPart(rb), deterministicPart(ra));
});
