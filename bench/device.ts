// The firmware (build/atmqtt.wasm in V8, board/node's host) on an emulated
// modem at 115200 baud, in this process, with the UART exchange counted:
// commands the device wrote, CIPSENDs, send results, bytes each way.
import { NodeHost, type Config, type HostEvent } from '../board/node/host.ts';
import type { VirtualClock } from '../tests/helpers/modem-clock.ts';
import { createModem, type ModemEmulator, type ModemKind, type ModemOptions } from '../sim/modem/index.ts';

export interface UartCounts {
  /** lines the device wrote that start with AT */
  commands: number;
  cipsend: number;
  /** SEND OK / DATA ACCEPT lines from the modem */
  sendResults: number;
  up: number;
  down: number;
}

export interface BenchDevice {
  host: NodeHost;
  modem: ModemEmulator;
  events: { at: number; e: HostEvent }[];
  counts: UartCounts;
  /** resolves with the time (performance.now) of the first event matching pred after index from */
  waitFor(pred: (e: HostEvent) => boolean, timeoutMs: number, from?: number): Promise<number>;
  /** resolves once cond() holds (checked on every UART or host event), or rejects after timeoutMs */
  until(cond: () => boolean, timeoutMs: number, what: string): Promise<void>;
  stop(): void;
}

/** The config a modem kind needs besides the URL (the simulator's defaults). */
/**
 * Virtual time: steps of stepMs, loop() called until it asks to sleep, a
 * turn of the event loop between steps for the real sockets behind the
 * modem. Resolves true once cond() holds, false after maxMs of virtual time.
 */
export async function stepVirtual(dev: BenchDevice, clock: VirtualClock, cond: () => boolean, maxMs: number, stepMs = 5): Promise<boolean> {
  const end = clock.t + maxMs;
  while (clock.t < end) {
    for (let i = 0; i < 50 && dev.host.exports.loop() === 0; i++) { /* busy: step again */ }
    if (cond()) return true;
    clock.advance(stepMs);
    await new Promise((r) => setImmediate(r));
  }
  return cond();
}

export function modemConfig(kind: ModemKind, url: string, extra: Config = {}): Config {
  const c: Config = { url, link: kind, client_id: `bench-${kind}-${Math.random().toString(16).slice(2, 8)}`, ...extra };
  if (kind === 'esp-at') { c.ssid ??= 'atmqtt-wifi'; c.wifi_password ??= 'atmqtt-pass'; } else c.apn ??= 'internet';
  return c;
}

/**
 * With a clock, the modem and millis() run on it and nothing calls loop():
 * the caller drives the device with stepVirtual(). Without, real time and
 * the host's own loop.
 */
export function startDevice(kind: ModemKind, config: Config, modemOpts: Partial<ModemOptions> = {}, ca?: string, clock?: VirtualClock): BenchDevice {
  const now = clock ? clock.now : () => performance.now();
  const counts: UartCounts = { commands: 0, cipsend: 0, sendResults: 0, up: 0, down: 0 };
  const waiters = new Set<() => void>();
  const poke = (): void => { for (const w of [...waiters]) w(); };
  let upLine = '';
  let downTail = '';
  const modem = createModem({
    kind, baud: 115200, lateReady: 0, notice: () => {}, ...(clock ? { now: clock.now, timers: clock } : {}), ...modemOpts,
    log: (dir, bytes) => {
      modemOpts.log?.(dir, bytes); // a trace of the caller's, besides the counts
      const s = Buffer.from(bytes).toString('latin1');
      if (dir === 'dev->mdm') {
        counts.up += bytes.length;
        // a command is AT… up to CR; the data after '>' is raw bytes that
        // may run straight into the next command, so commands are found
        // anywhere in the stream (our topics and payloads hold no "AT")
        upLine += s;
        const last = upLine.lastIndexOf('\r');
        if (last >= 0) {
          for (const m of upLine.slice(0, last + 1).matchAll(/AT(\+[A-Z]+)?[^\r]*\r/g)) {
            counts.commands++;
            if (m[1] === '+CIPSEND') counts.cipsend++;
          }
          upLine = upLine.slice(last + 1);
        }
        if (upLine.length > 256) upLine = upLine.slice(-256);
      } else {
        counts.down += bytes.length;
        const text = downTail + s;
        counts.sendResults += (text.match(/SEND OK|DATA ACCEPT/g) ?? []).length - (downTail.match(/SEND OK|DATA ACCEPT/g) ?? []).length;
        downTail = text.slice(-11);
      }
      poke();
    },
  });
  const events: { at: number; e: HostEvent }[] = [];
  const host = new NodeHost({
    uart: modem,
    config,
    ...(ca !== undefined ? { ca } : {}),
    onEvent: (e) => { events.push({ at: now(), e }); poke(); },
    ...(clock ? { now: clock.now } : {}),
  });
  const r = host.setup();
  if (r !== 0) throw new Error(`setup refused the configuration: ${r}`);
  if (!clock) host.start();
  let stopped = false;
  const until = (cond: () => boolean, timeoutMs: number, what: string): Promise<void> => new Promise((resolve, reject) => {
    const done = (): void => { clearTimeout(timer); clearInterval(iv); waiters.delete(check); };
    const check = (): void => { if (cond()) { done(); resolve(); } };
    const timer = setTimeout(() => { done(); reject(new Error(`bench device ${kind}: no ${what} within ${timeoutMs} ms`)); }, timeoutMs);
    const iv = setInterval(check, 20); // host.pending() etc. change without an event
    waiters.add(check);
    check();
  });
  return {
    host, modem, events, counts, until,
    waitFor: async (pred, timeoutMs, from = 0) => {
      let at = 0;
      await until(() => {
        for (let i = from; i < events.length; i++) if (pred(events[i]!.e)) { at = events[i]!.at; return true; }
        return false;
      }, timeoutMs, 'event');
      return at;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      host.stop();
      modem.close();
    },
  };
}
