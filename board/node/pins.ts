// The Node host's board I/O (board/ABI.md, "Board I/O"): digital pins,
// ADC channels and I2C devices kept here, inputs set by the simulator's
// stdin (`set pin 2 1`, `set adc 0 512`, `set i2c 0x48 HEX`), outputs
// reported when they change.

/** Pin and channel numbers this host has (the firmware refuses the modem's own). */
export const PIN_COUNT = 64;
export const ADC_CHANNELS = 16;
/** The modem's PWRKEY and RESET (assembly/config.ts): refused here too. */
export const MODEM_PINS: readonly number[] = [4, 5];

const OK = 0, E_BAD_ARGUMENT = -10, E_PIN_RESERVED = -30, E_NO_SUCH_PIN = -31, E_I2C_NACK = -32;
const INPUT = 0, OUTPUT = 1, INPUT_PULLUP = 2;

/**
 * A register-file I2C device (most sensors): the first byte written sets
 * the register pointer, further bytes are stored from there, reads return
 * bytes from there; the pointer advances and wraps at the file's end.
 */
export class I2cRegisters {
  ptr = 0;
  constructor(readonly regs: Uint8Array) {}
  write(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.regs.length === 0) return;
    this.ptr = bytes[0] % this.regs.length;
    for (const b of bytes.subarray(1)) { this.regs[this.ptr] = b; this.ptr = (this.ptr + 1) % this.regs.length; }
  }
  read(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n && this.regs.length > 0; i++) { out[i] = this.regs[this.ptr]; this.ptr = (this.ptr + 1) % this.regs.length; }
    return out;
  }
}

export class BoardPins {
  private readonly mode = new Uint8Array(PIN_COUNT);
  /** Levels driven by the firmware (outputs) or set from outside (inputs). */
  private readonly driven = new Int8Array(PIN_COUNT).fill(-1);
  private readonly input = new Int8Array(PIN_COUNT).fill(-1);
  private readonly adc = new Int32Array(ADC_CHANNELS);
  private readonly i2c = new Map<number, I2cRegisters>();

  /** onPin: an output changed (first write included). */
  constructor(private readonly onPin: (pin: number, value: number) => void = () => {}) {}

  private check(pin: number): number {
    if (MODEM_PINS.includes(pin)) return E_PIN_RESERVED;
    return pin >= 0 && pin < PIN_COUNT ? OK : E_NO_SUCH_PIN;
  }

  pinMode(pin: number, mode: number): number {
    const r = this.check(pin);
    if (r !== OK) return r;
    if (mode !== INPUT && mode !== OUTPUT && mode !== INPUT_PULLUP) return E_NO_SUCH_PIN;
    const was = this.mode[pin];
    this.mode[pin] = mode;
    if (mode === OUTPUT && was !== OUTPUT && this.driven[pin] >= 0) this.onPin(pin, this.driven[pin]);
    return OK;
  }

  pinRead(pin: number): number {
    const r = this.check(pin);
    if (r !== OK) return r;
    if (this.mode[pin] === OUTPUT) return Math.max(this.driven[pin], 0);
    if (this.input[pin] >= 0) return this.input[pin];
    return this.mode[pin] === INPUT_PULLUP ? 1 : 0;
  }

  pinWrite(pin: number, level: number): number {
    const r = this.check(pin);
    if (r !== OK) return r;
    const v = level !== 0 ? 1 : 0;
    // as on a chip, writing an input only sets its latch; shown once it drives
    if (this.driven[pin] !== v) {
      this.driven[pin] = v;
      if (this.mode[pin] === OUTPUT) this.onPin(pin, v);
    }
    return OK;
  }

  adcRead(ch: number): number {
    return ch >= 0 && ch < ADC_CHANNELS ? this.adc[ch] : E_NO_SUCH_PIN;
  }

  /** One transaction: returns the bytes read, or an error. */
  i2cXfer(addr: number, w: Uint8Array, rlen: number): { n: number; data?: Uint8Array } {
    if (addr < 0 || addr > 127 || rlen < 0) return { n: E_BAD_ARGUMENT };
    const dev = this.i2c.get(addr);
    if (!dev) return { n: E_I2C_NACK };
    dev.write(w);
    return rlen > 0 ? { n: rlen, data: dev.read(rlen) } : { n: 0 };
  }

  // ---- the outside world ----------------------------------------------

  setPin(pin: number, level: number): void { this.input[pin] = level ? 1 : 0; }
  setAdc(ch: number, value: number): void { this.adc[ch] = value; }
  setI2c(addr: number, regs: Uint8Array): void { this.i2c.set(addr, new I2cRegisters(regs)); }
  i2cDevice(addr: number): I2cRegisters | undefined { return this.i2c.get(addr); }
  /** The level an output drives, or -1 before its first write. */
  output(pin: number): number { return this.driven[pin]; }

  /**
   * One `set` command (the words after `set`): `pin N 0|1`, `adc CH VALUE`,
   * `i2c ADDR HEX` (ADDR decimal or 0x..; HEX the device's registers from
   * register 0). Returns null when done, else what is wrong.
   */
  command(words: string[]): string | null {
    const [what, a, b] = words;
    const num = (s: string | undefined): number => (s !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN);
    const n = num(a);
    switch (what) {
      case 'pin':
        if (!(n >= 0 && n < PIN_COUNT) || (b !== '0' && b !== '1')) return `set pin N 0|1 (N 0..${PIN_COUNT - 1})`;
        if (MODEM_PINS.includes(n)) return `set pin ${n}: the modem's pin (PWRKEY/RESET)`;
        this.setPin(n, Number(b));
        return null;
      case 'adc': {
        const v = num(b);
        if (!(n >= 0 && n < ADC_CHANNELS) || !(v >= 0 && v <= 65535)) return `set adc CH VALUE (CH 0..${ADC_CHANNELS - 1}, VALUE 0..65535)`;
        this.setAdc(n, v);
        return null;
      }
      case 'i2c': {
        if (!(n >= 0 && n <= 127) || b === undefined || !/^([0-9a-f]{2})+$/i.test(b) || b.length > 512) return 'set i2c ADDR HEX (ADDR 0..0x7f, HEX the registers from 0, up to 256 bytes)';
        this.setI2c(n, Uint8Array.from(Buffer.from(b, 'hex')));
        return null;
      }
    }
    return 'set pin N 0|1 | set adc CH VALUE | set i2c ADDR HEX';
  }
}
