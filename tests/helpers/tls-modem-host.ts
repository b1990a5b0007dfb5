// The firmware in this process (board/node's NodeHost, the one `atmqtt
// sim` uses) on an emulated modem built here, for modem options the CLI
// does not expose (a SIM800 whose firmware lacks SSL). Events, log lines
// and the UART trace are collected; everything stops at the end of the test.
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NodeHost, type Config, type HostEvent } from '../../board/node/host.ts';
import { createModem, traceLog, type ModemOptions } from '../../sim/modem/index.ts';

/** As `atmqtt sim --guard`: the instrumented module, every access past the 16 KiB budget traps. */
const GUARDED_WASM = fileURLToPath(new URL('../../build/atmqtt-guarded.wasm', import.meta.url));
const RAM_BUDGET = 16384;

export interface InProcessDevice {
  events: HostEvent[];
  /** firmware log lines, then UART trace lines, as `--trace` prints them */
  log: string[];
  /** the stderr a `--trace` run would have printed */
  stderr(): string;
  /** resolves with the first event matching pred (bounded) */
  waitFor(pred: (e: HostEvent) => boolean, timeoutMs: number, what: string): Promise<HostEvent>;
  stop(): void;
}

export function startInProcess(t: TestContext, modem: ModemOptions, config: Config, ca?: string): InProcessDevice {
  const log: string[] = [];
  const events: HostEvent[] = [];
  const listeners = new Set<() => void>();
  const t0 = Date.now();
  const m = createModem({ ...modem, log: traceLog((line) => log.push(line)), notice: (s) => log.push(s) });
  // the same switches as the CLI suites (helpers/sim.ts)
  const runtime = process.env.ATMQTT_RUNTIME === 'wasm3' ? 'wasm3' : 'v8';
  const guard = process.env.ATMQTT_GUARD === '1';
  const host = new NodeHost({
    runtime,
    ...(guard ? { wasmPath: GUARDED_WASM, ramBudget: RAM_BUDGET } : {}),
    uart: m,
    ...(ca !== undefined ? { ca } : {}),
    config,
    onEvent: (e) => { events.push(e); for (const l of [...listeners]) l(); },
    onLog: (_level, text) => log.push(`[${((Date.now() - t0) / 1000).toFixed(3)}] ${text}`),
  });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    host.stop();
    m.close();
  };
  t.after(stop);
  const r = host.setup();
  if (r !== 0) throw new Error(`setup refused the configuration: ${r}\n${log.join('\n')}`);
  host.start();
  return {
    events,
    log,
    stderr: () => log.join('\n'),
    stop,
    waitFor: (pred, timeoutMs, what) => new Promise((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); listeners.delete(check); };
      const check = (): void => {
        const e = events.find(pred);
        if (e) { done(); resolve(e); }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}; events ${JSON.stringify(events)}\n${log.slice(-60).join('\n')}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    }),
  };
}
