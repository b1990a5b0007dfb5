// PWRKEY and RESET as the hardware design manuals describe them: a LOW
// pulse on PWRKEY shorter than the minimum does nothing, a long enough one
// toggles power; RESET held LOW for resetMs holds the chip in reset and
// boots it on release. The pins only measure; the modem acts.
import { PIN_PWRKEY, PIN_RESET } from './types.ts';

export interface PowerActions {
  /** off (or shutting down): a valid on-pulse was seen */
  isOff(): boolean;
  powerOn(): void;
  /** a valid off-pulse while on */
  powerKeyOff(): void;
  /** RESET has been LOW for resetMs */
  holdInReset(): void;
  /** was running when RESET went LOW (ESP: CH_PD boots it whatever it was) */
  runningForReset(): boolean;
  /** schedules on the modem's epoch timers */
  after(ms: number, fn: () => void, onlyIf: () => boolean): void;
}

export interface PinTiming {
  /** shortest LOW pulse that switches the module on */
  onMs: number;
  /** shortest LOW pulse that switches a running module off */
  offMs: number;
  /** shortest RESET LOW that resets */
  resetMs: number;
}

export class PowerPins {
  private pwrkeyLowAt: number | null = null;
  private resetLow = false;
  private resetWasOn = false;
  private resetLowAt = 0;

  constructor(private readonly t: PinTiming, private readonly hasPwrkey: boolean, private readonly m: PowerActions) {}

  write(pin: number, level: number, now: number): void {
    if (pin === PIN_PWRKEY) this.pwrkey(level, now);
    else if (pin === PIN_RESET) this.reset(level, now);
  }

  private pwrkey(level: number, now: number): void {
    if (!this.hasPwrkey) return;
    if (level === 0) {
      if (this.pwrkeyLowAt === null) this.pwrkeyLowAt = now;
      return;
    }
    if (this.pwrkeyLowAt === null) return;
    const held = now - this.pwrkeyLowAt;
    this.pwrkeyLowAt = null;
    // shorter than the hardware design's minimum: nothing happens
    if (this.m.isOff()) {
      if (held >= this.t.onMs) this.m.powerOn();
    } else if (held >= this.t.offMs) {
      this.m.powerKeyOff();
    }
  }

  private reset(level: number, now: number): void {
    // the chip is held in reset only once LOW has lasted resetMs: a
    // shorter glitch does nothing
    if (level === 0) {
      if (this.resetLow) return;
      this.resetLow = true;
      this.resetLowAt = now;
      this.resetWasOn = this.m.runningForReset();
      this.m.after(this.t.resetMs, () => this.m.holdInReset(), () => this.resetLow);
    } else if (this.resetLow) {
      this.resetLow = false;
      if (now - this.resetLowAt >= this.t.resetMs && this.resetWasOn) this.m.powerOn();
    }
  }
}
