// End-to-end runs of the firmware through an emulated AT modem
// (`atmqtt sim --modem ...`) against a real broker: the arguments, waits
// that know about reconnects, delivery tallies, a two-way QoS 1/2 stream
// with a fault injected in its middle, and the bring-up figures read from
// a --trace log.
import assert from 'node:assert/strict';
import { sleep } from './scope.ts';
import { is, type Sim, type SimEvent } from './sim.ts';
export { publishWindowed } from './sim.ts';
import type { Peer, QoS } from './peer.ts';

import { FIRMWARE_KINDS, profileKinds, type ModemKind } from '../../sim/modem/kinds.ts';
import { PROFILE } from './profile.ts';
export type { ModemKind } from '../../sim/modem/kinds.ts';
/** Every kind the profile's firmware drives, from the one kinds list. */
export const MODEMS: readonly ModemKind[] = profileKinds(PROFILE.name);
/** Kinds with an emulator and a driver that the profile's firmware leaves out. */
export const MODEMS_LEFT_OUT: readonly ModemKind[] = FIRMWARE_KINDS.filter((k) => !MODEMS.includes(k));

/** The faults of sim/modem/types.ts FAULTS, without 'clear'. */
export const FAULT_NAMES = ['drop', 'pdp-deact', 'reboot', 'garbage', 'urc-storm', 'hang', 'slow', 'send-fail', 'reset-mid-read', 'reset-after-read'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/**
 * Power-on to CONNACK through a modem at 115200 baud takes ~2.5 s on an
 * idle machine (SIM registration ~1 s, CIICR 0.5 s; ESP CWJAP 1.5 s);
 * bounded generously for a loaded 2-core machine.
 */
export const BRING_UP_MS = 20000;

/** `sim` arguments for a device on `kind` at 115200 baud, talking to url. */
export function modemArgs(kind: ModemKind, url: string, extra: string[] = []): string[] {
  return ['--broker', url, '--modem', kind, '--baud', '115200', ...extra];
}

/** The last connected / disconnected event at index ≥ from is `connected`. */
export function isUp(sim: Sim, from = 0): boolean {
  const ev = sim.filter((e) => e.event === 'connected' || e.event === 'disconnected', from);
  return ev.length > 0 && ev[ev.length - 1]!.event === 'connected';
}

/** Payload → times seen. */
export function tally(payloads: (string | undefined)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of payloads) if (p !== undefined) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

/** Every wanted payload seen (at least once, or exactly once), and nothing else. */
export function deliveryProblems(want: string[], got: (string | undefined)[], exactlyOnce: boolean): string[] {
  const t = tally(got);
  const out: string[] = [];
  for (const w of want) {
    const n = t.get(w) ?? 0;
    if (n === 0) out.push(`${w} lost`);
    else if (exactlyOnce && n > 1) out.push(`${w} ×${n}`);
  }
  for (const k of t.keys()) if (!want.includes(k)) out.push(`unexpected ${k}`);
  return out;
}

export function payloadList(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
}

export async function poll(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timeout after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---- the two-way stream with a fault in the middle ------------------------

export interface StreamPlan {
  /** Topic prefix: the device publishes to `${base}/up/{1,2}`, the peer to `${base}/down/{1,2}`. */
  base: string;
  /** Messages per QoS per direction. */
  n: number;
  /** Pause between rounds (one message of each QoS each way per round). */
  intervalMs: number;
  /** `fault NAME` is sent to the simulator before this round (0-based). */
  faultAt: number;
  fault: string;
  /** Bound for everything to arrive after the last round. */
  settleMs: number;
  /** Gives the fault to the modem when it is not the simulator's own (`atmqtt modem` in another process). */
  inject?: (fault: string) => Promise<void>;
}

export interface StreamOutcome {
  /** Index of the `fault` event in sim.events. */
  faultIndex: number;
  /** ms from the fault to the first `connected` after it (null: never disconnected). */
  reconnectMs: number | null;
  disconnects: SimEvent[];
  /** ms from the fault until every message had arrived both ways. */
  completeMs: number;
  /** mqtt.js publishes that did not complete (they go to the broker, which stays up: none expected). */
  peerPublishErrors: string[];
}

export const upTopic = (base: string, qos: 1 | 2): string => `${base}/up/${qos}`;
export const downTopic = (base: string, qos: 1 | 2): string => `${base}/down/${qos}`;
export const upPayloads = (n: number, qos: 1 | 2): string[] => payloadList(`u${qos}`, n);
export const downPayloads = (n: number, qos: 1 | 2): string[] => payloadList(`d${qos}`, n);

/** Everything the stream expects has arrived, both ways (QoS 2 may still be doubled: checked later). */
export function streamComplete(sim: Sim, peer: Peer, p: StreamPlan, from: number): boolean {
  for (const qos of [1, 2] as const) {
    const down = new Set(sim.filter(is.message(downTopic(p.base, qos)), from).map((e) => e.payload));
    if (!downPayloads(p.n, qos).every((w) => down.has(w))) return false;
    const up = new Set(peer.on(upTopic(p.base, qos)).map((m) => m.text));
    if (!upPayloads(p.n, qos).every((w) => up.has(w))) return false;
    if (sim.count(is.published(upTopic(p.base, qos)), from) < p.n) return false;
  }
  return true;
}

/**
 * Runs the stream: per round the device publishes one QoS 1 and one QoS 2
 * message and the peer publishes one of each to the device; `fault` goes
 * in before round faultAt. Then waits (bounded) until the device is
 * connected and every message has arrived both ways.
 */
export async function runStream(sim: Sim, peer: Peer, p: StreamPlan, from: number): Promise<StreamOutcome> {
  const peerPublishes: Promise<void>[] = [];
  const peerPublishErrors: string[] = [];
  let faultIndex = -1;
  let faultAt = 0;
  for (let i = 0; i < p.n; i++) {
    if (i === p.faultAt && p.inject) {
      faultIndex = sim.events.length;
      await p.inject(p.fault);
      faultAt = Date.now();
    } else if (i === p.faultAt) {
      const mark = sim.events.length;
      sim.send(`fault ${p.fault}`);
      const f = await sim.waitFor((e) => e.event === 'fault' || e.event === 'error', 3000, mark, `fault ${p.fault}`);
      assert.equal(f.event, 'fault', `fault ${p.fault} accepted\n${sim.describe()}`);
      faultIndex = sim.events.indexOf(f);
      faultAt = f.at;
    }
    sim.sendAll([
      `pub ${upTopic(p.base, 1)} 1 0 ${upPayloads(p.n, 1)[i]}`,
      `pub ${upTopic(p.base, 2)} 2 0 ${upPayloads(p.n, 2)[i]}`,
    ]);
    for (const qos of [1, 2] as const) {
      const topic = downTopic(p.base, qos);
      const payload = downPayloads(p.n, qos)[i]!;
      peerPublishes.push(peer.publish(topic, payload, qos as QoS).catch((e: unknown) => { peerPublishErrors.push(`${payload}: ${String(e)}`); }));
    }
    await sleep(p.intervalMs);
  }
  await Promise.all(peerPublishes);
  try {
    await poll(() => isUp(sim) && streamComplete(sim, peer, p, from), p.settleMs, 'device connected and every message both ways');
  } catch (e) {
    const missing = streamProblems(sim, peer, p, from);
    throw new Error(`${p.fault}: ${isUp(sim) ? 'connected' : 'NOT connected'} at the end; ${missing.length > 0 ? missing.join('; ') : 'nothing missing'}\n` +
      `peer: ${peer.summary(12)}\n${(e as Error).message}`);
  }
  const completeMs = Date.now() - faultAt;
  const after = sim.events.slice(faultIndex);
  const disconnects = after.filter((e) => e.event === 'disconnected');
  const reconnect = after.find((e) => e.event === 'connected');
  return {
    faultIndex,
    reconnectMs: reconnect ? reconnect.at - faultAt : null,
    disconnects,
    completeMs,
    peerPublishErrors,
  };
}

/**
 * The promises of MQTT 3.1.1 for a persistent session (CleanSession 0,
 * the broker up throughout) across a broken link, in both directions:
 * QoS 1 at least once, QoS 2 exactly once, nothing that was not sent.
 * Returns the problems found (empty when the promises were kept).
 */
export function streamProblems(sim: Sim, peer: Peer, p: StreamPlan, from: number): string[] {
  const out: string[] = [];
  for (const qos of [1, 2] as const) {
    const exactly = qos === 2;
    const down = sim.filter(is.message(downTopic(p.base, qos)), from).map((e) => e.payload);
    for (const x of deliveryProblems(downPayloads(p.n, qos), down, exactly)) out.push(`peer→device QoS ${qos}: ${x}`);
    const up = peer.on(upTopic(p.base, qos)).map((m) => m.text);
    for (const x of deliveryProblems(upPayloads(p.n, qos), up, exactly)) out.push(`device→peer QoS ${qos}: ${x}`);
    // the device reports each of its publishes once, on PUBACK / PUBCOMP
    const pubs = sim.count(is.published(upTopic(p.base, qos)), from);
    if (pubs !== p.n) out.push(`device reported ${pubs} published events for QoS ${qos}, want ${p.n}`);
    const wrongQos = sim.filter(is.message(downTopic(p.base, qos)), from).filter((e) => e.qos !== qos).length
      + peer.on(upTopic(p.base, qos)).filter((m) => m.qos !== qos).length;
    if (wrongQos > 0) out.push(`${wrongQos} QoS ${qos} messages delivered at another QoS`);
  }
  return out;
}

// ---- bring-up figures from a --trace log ---------------------------------

export interface BringUp {
  /** AT commands the firmware sent before CONNACK (`at> ` log lines). */
  atCommands: number;
  /** Those commands, arguments cut ("AT+CSTT=..."). */
  atList: string[];
  /** UART writes from the device before CONNACK (commands and CIPSEND data: `dev->mdm` trace lines). */
  uartWrites: number;
  /** AT commands that timed out before CONNACK (`at: timeout` lines). */
  timeouts: number;
  /** ms from the start of the firmware (the modem is powered on with it) to `mqtt: connected`. */
  connackMs: number;
  /** ms on the modem trace's own clock (from the emulator's creation) to the CONNACK bytes' arrival. */
  modemConnackMs: number | null;
}

/**
 * Reads the --trace stderr of `atmqtt sim --modem ...`: firmware log lines
 * `[12.345] text` (seconds since the firmware started) and UART trace lines
 * `   12.345 dev->mdm >> bytes` (seconds since the emulator was created).
 */
export function parseBringUp(stderr: string): BringUp {
  let atCommands = 0;
  const atList: string[] = [];
  let uartWrites = 0;
  let timeouts = 0;
  let modemConnackMs: number | null = null;
  // counts frozen when the CONNACK bytes arrive (a command may go out
  // between their arrival and the session's log line)
  let frozen: { atCommands: number; atList: string[]; uartWrites: number; timeouts: number } | null = null;
  for (const line of stderr.split('\n')) {
    const fw = /^\[(\d+\.\d+)\] (.*)$/.exec(line);
    if (fw) {
      const text = fw[2]!;
      if (text.startsWith('at> ')) {
        atCommands++;
        atList.push(text.slice(4).replace(/=.*$/, '=…'));
      } else if (text.startsWith('at: timeout')) {
        timeouts++;
      } else if (text.startsWith('mqtt: connected')) {
        const counts = frozen ?? { atCommands, atList, uartWrites, timeouts };
        return { ...counts, connackMs: Math.round(Number(fw[1]) * 1000), modemConnackMs };
      }
      continue;
    }
    const tr = /^\s*(\d+\.\d+) (dev->mdm|mdm->dev) (?:>>|<<) (.*)$/.exec(line);
    if (!tr) continue;
    if (tr[2] === 'dev->mdm') {
      uartWrites++;
    } else if (frozen === null && (tr[3]!.includes(' \\x02\\x00\\x00') || tr[3]!.includes(' \\x02\\x01\\x00'))) {
      // CONNACK: 0x20 0x02 flags 0; the trace escapes bytes below 0x20 as \xNN
      modemConnackMs = Math.round(Number(tr[1]) * 1000);
      frozen = { atCommands, atList: [...atList], uartWrites, timeouts };
    }
  }
  throw new Error(`no "mqtt: connected" line in the trace:\n${stderr.slice(-3000)}`);
}
