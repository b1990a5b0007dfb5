// The seeded plan of a soak: segments (one firmware power-up each, on one
// transport), the faults in each at virtual times, and the traffic rounds.
// Everything here is a pure function of (seed, days, options): the same
// seed gives the same plan, byte for byte (see digest()).
import { createHash } from 'node:crypto';
import { Prng } from '../sim/modem/prng.ts';

export type ModemKind = 'none' | 'sim800' | 'sim900' | 'esp-at';
export type Scheme = 'mqtt' | 'ws';

/** What can go wrong. Modem faults go to the emulator's fault(); the rest are the harness's own. */
export const MODEM_FAULTS = ['drop', 'garbage', 'reboot', 'hang', 'pdp-deact', 'urc-storm',
  // the brown-out in a counted read, a refused send, a late Call Ready (issue 13 §4)
  'reset-mid-read', 'reset-after-read', 'send-fail', 'late-ready'] as const;
export const FAULT_KINDS = [...MODEM_FAULTS, 'outage', 'broker-restart', 'ws-close'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  /** Virtual ms from the start of the run. */
  at: number;
  kind: FaultKind;
  /** outage: how long the network is gone. */
  durationMs?: number;
}

export interface Segment {
  index: number;
  start: number;
  end: number;
  modem: ModemKind;
  scheme: Scheme;
  /** Seed of this segment's modem emulator (its garbage bytes, storm timing, late Call Ready). */
  modemSeed: number;
  faults: Fault[];
  /** Virtual times of the traffic rounds: one QoS 1 and one QoS 2 message each way per round. */
  rounds: number[];
}

export interface Plan {
  seed: number;
  days: number;
  segmentMs: number;
  roundMs: number;
  segments: Segment[];
}

export interface PlanOptions {
  /** Virtual length of one segment (default 6 h). */
  segmentMs?: number;
  /** Virtual time between traffic rounds (default 20 s: a 5-minute outage fills the outbox). */
  roundMs?: number;
}

/** The transports segments cycle through: every modem, both schemes, and host sockets. */
export const TRANSPORTS: readonly { modem: ModemKind; scheme: Scheme }[] = [
  { modem: 'sim800', scheme: 'mqtt' },
  { modem: 'esp-at', scheme: 'ws' },
  { modem: 'none', scheme: 'ws' },
  { modem: 'sim900', scheme: 'mqtt' },
  { modem: 'esp-at', scheme: 'mqtt' },
  { modem: 'sim800', scheme: 'ws' },
  { modem: 'none', scheme: 'mqtt' },
];

const MIN = 60_000;
/** No fault before this into a segment (bring-up), none in its last stretch (the drain). */
const QUIET_START_MS = 2 * MIN;
const QUIET_END_MS = 15 * MIN;
const GAP_MS: [number, number] = [8 * MIN, 30 * MIN];
const OUTAGE_MS: [number, number] = [3 * MIN, 12 * MIN];

/** Relative weights; ws-close only on ws segments, modem faults only with a modem. */
const WEIGHTS: Record<FaultKind, number> = {
  'drop': 3, 'garbage': 3, 'reboot': 2, 'hang': 1, 'pdp-deact': 2, 'urc-storm': 2,
  'outage': 2, 'broker-restart': 1, 'ws-close': 3,
  'reset-mid-read': 1, 'reset-after-read': 1, 'send-fail': 1, 'late-ready': 1,
};

function kindsFor(modem: ModemKind, scheme: Scheme): FaultKind[] {
  return FAULT_KINDS.filter((k) => {
    if (k === 'ws-close') return scheme === 'ws';
    if (k === 'drop' || k === 'outage' || k === 'broker-restart') return true;
    return modem !== 'none';
  });
}

function pickWeighted(rng: Prng, kinds: FaultKind[]): FaultKind {
  const total = kinds.reduce((s, k) => s + WEIGHTS[k], 0);
  let x = rng.next() * total;
  for (const k of kinds) {
    x -= WEIGHTS[k];
    if (x < 0) return k;
  }
  return kinds[kinds.length - 1]!;
}

export function makePlan(seed: number, days: number, opts: PlanOptions = {}): Plan {
  const segmentMs = opts.segmentMs ?? 6 * 60 * MIN;
  const roundMs = opts.roundMs ?? 20_000;
  const total = Math.round(days * 24 * 60 * MIN);
  const rng = new Prng(seed);
  const segments: Segment[] = [];
  for (let start = 0, i = 0; start < total; start += segmentMs, i++) {
    const end = Math.min(total, start + segmentMs);
    const { modem, scheme } = TRANSPORTS[i % TRANSPORTS.length]!;
    const kinds = kindsFor(modem, scheme);
    const faults: Fault[] = [];
    let t = start + QUIET_START_MS + rng.int(0, GAP_MS[0]);
    while (t < end - QUIET_END_MS) {
      const kind = pickWeighted(rng, kinds);
      const f: Fault = { at: t, kind };
      if (kind === 'outage') f.durationMs = Math.min(rng.int(OUTAGE_MS[0], OUTAGE_MS[1]), end - QUIET_END_MS - t);
      faults.push(f);
      t += (f.durationMs ?? 0) + rng.int(GAP_MS[0], GAP_MS[1]);
    }
    const rounds: number[] = [];
    for (let r = start + MIN; r < end - 2 * MIN; r += roundMs) rounds.push(r);
    segments.push({ index: i, start, end, modem, scheme, modemSeed: rng.int(1, 0x7fffffff), faults, rounds });
  }
  return { seed, days, segmentMs, roundMs, segments };
}

/** Faults in the plan by kind. */
export function faultCounts(plan: Plan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of plan.segments) for (const f of s.faults) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}

/** A short hash of the whole plan, to show two runs had the same one. */
export function digest(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}
