// One segment's device: the firmware (probe build, for the heap top) in
// the Node host, on the soak clock, and, for a modem segment, the modem
// emulator on the same clock. step() runs loop() once and moves virtual
// time on by what the firmware asked to sleep, but never past a timer of
// the emulator or the next planned action; while a real reply is on its
// way, virtual time stands still until it lands (bounded in real time).
import { NodeHost, type HostEvent, type Message, type Config, type Uart } from '../board/node/host.ts';
import { createModem, type ModemEmulator } from '../sim/modem/index.ts';
import { PROFILES } from '../sim/profile.ts';
import { SoakClock } from './clock.ts';
import type { Segment } from './schedule.ts';

export interface DeviceHooks {
  onEvent(e: HostEvent): void;
  onMessage(m: Message): void;
  onLog(level: number, text: string): void;
}

/** loop() calls in a row that asked for no sleep before time moves on anyway. */
const MAX_SPINS = 20;

export class SoakDevice {
  readonly host: NodeHost;
  readonly modem: ModemEmulator | null;
  readonly heapStart: number;
  private readonly probe: () => number;
  private readonly probeStep: number;
  private probes = 0;
  private woken = false;
  private spins = 0;
  loops = 0;
  /** Real ms spent waiting for replies, and in event-loop turns (not deterministic: for the record). */
  waitMs = 0;
  turnMs = 0;

  constructor(readonly clock: SoakClock, seg: Segment, url: string, hooks: DeviceHooks) {
    const config: Config = { url, client_id: `soak-dev-s${seg.index}`, clean: false, keepalive: 60 };
    let uart: Uart | undefined;
    this.modem = null;
    if (seg.modem !== 'none') {
      const m = createModem({ kind: seg.modem, seed: seg.modemSeed, now: clock.now, timers: clock, notice: () => {} });
      this.modem = m;
      config.link = seg.modem;
      config.baud = 115200;
      if (seg.modem === 'esp-at') { config.ssid = 'atmqtt-wifi'; config.wifi_password = 'atmqtt-pass'; } else config.apn = 'internet';
      uart = {
        write: (d) => m.write(d),
        read: (n) => m.read(n),
        setBaud: (b) => m.setBaud(b),
        gpio: (p, l) => m.gpio(p, l),
        onReadable: (cb) => m.onReadable(() => { this.woken = true; cb(); }),
      };
    }
    this.host = new NodeHost({ wasmPath: PROFILES.default.probe, config, uart, now: clock.now, ...hooks });
    // the host's own wake-ups (socket data, API calls) only mark the loop as due here
    this.host.wake = () => { this.woken = true; };
    const newObj = this.host.exports.__new;
    if (!newObj) throw new Error('the probe build must export __new');
    this.probe = () => { this.probes++; return newObj(0, 0); };
    const a = this.probe();
    this.probeStep = this.probe() - a;
    this.heapStart = a;
  }

  /** The heap top now, in the terms of heapStart (one probe allocation taken off). */
  heapTop(): number {
    const v = this.probe();
    return v - this.probeStep * (this.probes - 1);
  }

  /** Bytes of linear memory now. */
  memoryBytes(): number {
    return this.host.exports.memory?.buffer.byteLength ?? 0;
  }

  setup(): number {
    return this.host.setup();
  }

  /**
   * One loop() call, a turn of the event loop for real I/O, then virtual
   * time moves on by at most until (the next planned action).
   */
  async step(until: number, replyDue: (() => Promise<void>) | null): Promise<void> {
    this.woken = false;
    const sleep = this.host.exports.loop() >>> 0;
    this.loops++;
    const t0 = performance.now();
    await new Promise<void>((r) => setImmediate(r));
    const t1 = performance.now();
    this.turnMs += t1 - t0;
    if (replyDue) {
      // a reply from the broker is on its way in real time: virtual time waits for it
      await replyDue();
      this.waitMs += performance.now() - t1;
      return;
    }
    if (this.woken || sleep === 0) {
      if (++this.spins < MAX_SPINS) return;
    }
    this.spins = 0;
    let dt = Math.max(1, sleep);
    dt = Math.min(dt, Math.max(0, this.clock.nextDue() - this.clock.t), Math.max(0, until - this.clock.t));
    this.clock.advance(Math.max(dt, 0));
  }

  close(): void {
    this.host.stop();
    this.modem?.close();
  }
}
