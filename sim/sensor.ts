// Plausible readings for the telemetry app of a simulated device: a room
// temperature that drifts and swings slowly, humidity that follows it the
// other way, and a battery that drains. Seeded, so a run can be repeated.
import { Prng } from './modem/prng.ts';

export interface Readings {
  /** tenths of a degree Celsius */
  temperature: number;
  /** tenths of a percent relative humidity */
  humidity: number;
  /** millivolts */
  battery: number;
}

export class SimSensor {
  private readonly rng: Prng;
  private drift = 0;
  private readonly base: number;
  private battery = 4150;
  private readonly t0: number;

  constructor(seed: number, private readonly now: () => number = Date.now) {
    this.rng = new Prng(seed);
    this.base = 205 + this.rng.int(0, 30); // 20.5 .. 23.5 °C
    this.t0 = now();
  }

  read(): Readings {
    const minutes = (this.now() - this.t0) / 60000;
    this.drift = Math.max(-25, Math.min(25, this.drift + this.rng.int(-3, 3)));
    // a swing of ±1.5 °C with a period of about four minutes, plus the drift
    const temperature = Math.round(this.base + 15 * Math.sin(minutes * Math.PI / 2) + this.drift);
    const humidity = Math.max(150, Math.min(950, 450 - (temperature - this.base) * 3 + this.rng.int(-5, 5)));
    this.battery = Math.max(3300, this.battery - this.rng.int(0, 1));
    return { temperature, humidity, battery: this.battery };
  }
}

/** Gives a device (anything with setReading) a sensor's readings every second; clearInterval stops it. */
export function feedReadings(device: { setReading(ch: number, v: number): void }, seed = 1, everyMs = 1000): NodeJS.Timeout {
  const sensor = new SimSensor(seed);
  const put = (): void => {
    const r = sensor.read();
    device.setReading(0, r.temperature);
    device.setReading(1, r.humidity);
    device.setReading(2, r.battery);
  };
  put();
  const t = setInterval(put, everyMs);
  t.unref();
  return t;
}
