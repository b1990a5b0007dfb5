// `import { startDevice } from "atmqtt/testing"`: a project's app in the
// simulator for its tests. It runs `atmqtt sim` (the project's
// build/app.wasm, the embedded broker, an emulated modem) as a child
// process, sets the app's inputs on its stdin and reads its JSON events.
// Plain JavaScript, so a project's tests need no TypeScript loader.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/atmqtt.js', import.meta.url));

/**
 * Starts the project's app in the simulator and waits for its first
 * connection to the broker.
 * @param {object} [o]
 * @param {string[]} [o.args] more `atmqtt sim` flags (default: --modem sim800)
 * @param {string} [o.cwd] the project (default: the current directory)
 * @param {number} [o.timeoutMs] how long the first connection may take (default 60 s)
 * @returns {Promise<Device>}
 * ATMQTT_RUNTIME=wasm3 runs it under the wasm3 interpreter, ATMQTT_PROFILE=small the small
 * build, ATMQTT_GUARD=1 under the RAM guard (any access past the profile's budget traps),
 * ATMQTT_BOARD=atmega1284p the image `atmqtt build --board atmega1284p` made, in its CPU's emulator.
 */
export async function startDevice(o = {}) {
  const args = ['sim', ...(o.args ?? ['--modem', 'sim800'])];
  const board = process.env.ATMQTT_BOARD;
  // a board fixes its engine and profile
  if (board !== undefined && board !== '') {
    if (!args.includes('--board')) args.push('--board', board);
  } else {
    if (process.env.ATMQTT_RUNTIME === 'wasm3' && !args.includes('--runtime')) args.push('--runtime', 'wasm3');
    if (process.env.ATMQTT_PROFILE === 'small' && !args.includes('--profile')) args.push('--profile', 'small');
    if (process.env.ATMQTT_GUARD === '1' && !args.includes('--guard')) args.push('--guard');
  }
  const d = new Device(spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] }));
  try {
    const broker = await d.waitFor((e) => e.event === 'broker', o.timeoutMs ?? 60_000, 'broker line (the embedded broker)');
    d.url = broker.url;
    await d.waitFor((e) => e.event === 'connected', o.timeoutMs ?? 60_000, 'connection to the broker');
  } catch (e) {
    // a device that never came up is ended here: the caller has no handle to stop it
    await d.stop();
    throw e;
  }
  return d;
}

export class Device {
  /** @type {string} the embedded broker's mqtt:// URL */
  url = '';
  /** @type {object[]} every event so far, in order */
  events = [];
  /** @type {string[]} the simulator's stderr (logs), for failure messages */
  logs = [];
  #waiters = new Set();
  #exited;

  /** @param {import('node:child_process').ChildProcess} proc */
  constructor(proc) {
    this.proc = proc;
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      let e;
      try { e = JSON.parse(line); } catch { return; }
      this.events.push(e);
      for (const w of [...this.#waiters]) w(e);
    });
    readline.createInterface({ input: proc.stderr }).on('line', (line) => { this.logs.push(line); });
    this.#exited = once(proc, 'exit');
    this.#exited.then(() => { for (const w of [...this.#waiters]) w(null); });
  }

  /** One command line on the simulator's stdin (docs/cli.md). */
  send(line) { this.proc.stdin.write(line + '\n'); }
  /** An ADC channel's raw reading, as the app's adcRead() returns it. */
  setAdc(channel, value) { this.send(`set adc ${channel} ${value}`); }
  /** An input pin's level. */
  setPin(pin, level) { this.send(`set pin ${pin} ${level}`); }
  /** Takes the device's network away (the broker sees it vanish: its will goes out); it reconnects. */
  dropNetwork() { this.send('drop'); }

  /**
   * The first event, from `since` (an index into events; default: the next
   * one to come), that matches; rejects after timeoutMs or if the simulator ends.
   */
  waitFor(match, timeoutMs = 30_000, what = 'an event', since = this.events.length) {
    const seen = this.events.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (e) => {
        if (e !== null && !match(e)) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        if (e === null) reject(new Error(`the simulator ended while waiting for ${what}\n${this.#tail()}`));
        else resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        reject(new Error(`no ${what} within ${timeoutMs} ms\n${this.#tail()}`));
      }, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Waits until the app drives `pin` to `value` ({"event":"pin",...}). */
  waitPin(pin, value, timeoutMs = 30_000, since) {
    return this.waitFor((e) => e.event === 'pin' && e.pin === pin && e.value === value, timeoutMs, `pin ${pin} = ${value}`, since);
  }

  /** The level the app last drove on `pin`, or undefined. */
  pin(pin) {
    return this.events.filter((e) => e.event === 'pin' && e.pin === pin).at(-1)?.value;
  }

  /** Ends the simulator (and its broker). */
  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.send('quit');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
      await this.#exited;
      clearTimeout(t);
    }
  }

  #tail() {
    const ev = this.events.slice(-8).map((e) => JSON.stringify(e)).join('\n');
    return `last events:\n${ev}\nlast log lines:\n${this.logs.slice(-12).join('\n')}`;
  }
}
