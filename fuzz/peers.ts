// The well-behaved far ends the fuzz targets return to after their hostile
// input: a minimal broker (answers CONNECT, PINGREQ, QoS flows, SUBSCRIBE)
// and scripted SIM800 / ESP-AT modems that carry its bytes, so a device can
// be asked to come back to `connected` in virtual time after any input.
import type { ScriptUart } from './device.ts';

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** Whole MQTT packets from a byte stream, the rest kept for later. */
export class Packets {
  private buf = Buffer.alloc(0);
  push(b: Uint8Array): Buffer[] {
    this.buf = Buffer.concat([this.buf, Buffer.from(b)]);
    const out: Buffer[] = [];
    for (;;) {
      let rem = 0;
      let mul = 1;
      let i = 1;
      let done = false;
      for (; i < 5 && i < this.buf.length; i++) {
        rem += (this.buf[i]! & 0x7f) * mul;
        mul *= 128;
        if ((this.buf[i]! & 0x80) === 0) { done = true; break; }
      }
      if (!done || this.buf.length < i + 1 + rem) break;
      out.push(this.buf.subarray(0, i + 1 + rem));
      this.buf = this.buf.subarray(i + 1 + rem);
    }
    return out;
  }
}

/** A broker that answers whatever a client needs to stay connected and finish its flows. */
export class MiniBroker {
  private packets = new Packets();
  connects = 0;
  /** A new connection: nothing of the last one's bytes carries over. */
  reset(): void { this.packets = new Packets(); }
  /** bytes from the device → replies for it */
  handle(b: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const p of this.packets.push(b)) {
      const type = p[0]! >> 4;
      const hdr = p[1]! & 0x80 ? (p[2]! & 0x80 ? 4 : 3) : 2; // fixed header length, up to 3 length bytes
      const id = (at: number): [number, number] => [p[at]!, p[at + 1]!];
      if (type === 1) { this.connects++; out.push(0x20, 2, 0, 0); }
      else if (type === 12) out.push(0xd0, 0);
      else if (type === 3) {
        const qos = (p[0]! >> 1) & 3;
        const tl = (p[hdr]! << 8) | p[hdr + 1]!;
        if (qos === 1) out.push(0x40, 2, ...id(hdr + 2 + tl));
        if (qos === 2) out.push(0x50, 2, ...id(hdr + 2 + tl));
      } else if (type === 6) out.push(0x70, 2, ...id(hdr));
      else if (type === 5) out.push(0x62, 2, ...id(hdr));
      else if (type === 8) {
        // one granted QoS 1 per filter
        let n = 0;
        for (let i = hdr + 2; i + 2 <= p.length;) { const l = (p[i]! << 8) | p[i + 1]!; i += 2 + l + 1; n++; }
        out.push(0x90, 2 + n, ...id(hdr), ...new Array<number>(n).fill(1));
      } else if (type === 10) out.push(0xb0, 2, ...id(hdr));
    }
    return Uint8Array.from(out);
  }
}

/**
 * A SIM800 (CIPMUX=1, CIPQSEND=1, CIPRXGET=1) or an ESP-AT module (passive
 * receive), by the manuals' answers, with one link to a MiniBroker. No
 * timing, no faults: the device's bring-up and traffic simply work.
 */
export class ScriptModem {
  readonly broker = new MiniBroker();
  private line: number[] = [];
  private sending = 0;
  private data: number[] = [];
  private rx: number[] = [];
  private linkUp = false;
  private told = false;
  /** the LF of a CR LF line end is not data, even when a send's data follows it */
  private afterCr = false;

  constructor(private readonly kind: 'sim800' | 'esp-at', private readonly uart: ScriptUart) {}

  private say(s: string | Uint8Array): void { this.uart.feed(typeof s === 'string' ? enc(s) : s); }
  private ok(): void { this.say('\r\nOK\r\n'); }

  /** Reads what the device wrote and answers it. */
  serve(): void {
    for (const b of this.uart.take()) {
      const lf = b === 0x0a && this.afterCr;
      this.afterCr = b === 0x0d;
      if (lf) continue;
      if (this.sending > 0) {
        this.data.push(b);
        if (--this.sending === 0) this.sent();
        continue;
      }
      if (b === 0x0d) { const l = Buffer.from(this.line).toString('latin1').trim(); this.line = []; if (l) this.command(l); continue; }
      this.line.push(b);
    }
    // data from the broker waiting: tell the device once
    if (this.linkUp && this.rx.length > 0 && !this.told) {
      this.told = true;
      this.say(this.kind === 'sim800' ? '\r\n+CIPRXGET: 1,0\r\n' : `\r\n+IPD,0,${this.rx.length}\r\n`);
    }
  }

  private sent(): void {
    const d = Uint8Array.from(this.data);
    this.data = [];
    this.say(this.kind === 'sim800' ? `\r\nDATA ACCEPT:0,${d.length}\r\n` : `\r\nRecv ${d.length} bytes\r\n\r\nSEND OK\r\n`);
    if (this.linkUp) for (const x of this.broker.handle(d)) this.rx.push(x);
  }

  private command(l: string): void {
    const u = l.toUpperCase();
    const sim = this.kind === 'sim800';
    if (u === 'AT' || u === 'ATE0' || u.startsWith('AT+CMEE') || u.startsWith('AT+CGATT=') || u.startsWith('AT+CIPMUX') ||
        u.startsWith('AT+CIPQSEND') || u === 'AT+CIPRXGET=1' || u.startsWith('AT+CSTT') || u === 'AT+CIICR' ||
        u.startsWith('AT+CWMODE') || u.startsWith('AT+CIPRECVMODE') || u.startsWith('AT+SSLOPT') || u.startsWith('AT+CIPSSL')) return this.ok();
    if (u === 'AT+CPIN?') return this.say('\r\n+CPIN: READY\r\n\r\nOK\r\n');
    if (u === 'AT+CREG?') return this.say('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    if (u === 'AT+CIPSHUT') { this.linkUp = false; this.broker.reset(); return this.say('\r\nSHUT OK\r\n'); }
    if (u === 'AT+CIFSR') return this.say('\r\n10.0.0.2\r\n');
    if (u.startsWith('AT+CWJAP=')) return this.say('\r\nWIFI CONNECTED\r\n\r\nWIFI GOT IP\r\n\r\nOK\r\n');
    if (u.startsWith('AT+CIPSTART=')) {
      this.linkUp = true; this.rx = []; this.told = false; this.broker.reset();
      return this.say(sim ? '\r\nOK\r\n\r\n0, CONNECT OK\r\n' : '\r\n0,CONNECT\r\n\r\nOK\r\n');
    }
    if (u.startsWith('AT+CIPSEND=')) {
      const n = Number(u.split(',')[1]);
      if (!this.linkUp || !(n > 0)) return this.say('\r\nERROR\r\n');
      this.sending = n;
      return this.say(sim ? '> ' : '\r\nOK\r\n> ');
    }
    if (u.startsWith('AT+CIPRXGET=4')) return this.say(`\r\n+CIPRXGET: 4,0,${this.rx.length}\r\n\r\nOK\r\n`);
    if (u.startsWith('AT+CIPRXGET=2') || u.startsWith('AT+CIPRECVDATA=')) {
      const want = Number(u.split(',').at(-1));
      const k = Math.min(want, this.rx.length);
      const d = Uint8Array.from(this.rx.splice(0, k));
      this.told = false;
      if (sim) this.say(Buffer.concat([enc(`\r\n+CIPRXGET: 2,0,${k},${this.rx.length}\r\n`), d, enc('\r\nOK\r\n')]));
      else this.say(Buffer.concat([enc(`\r\n+CIPRECVDATA:${k},`), d, enc('\r\nOK\r\n')]));
      return;
    }
    if (u === 'AT+CIPRECVLEN?') return this.say(`\r\n+CIPRECVLEN:${this.rx.length},0,0,0,0\r\n\r\nOK\r\n`);
    if (u.startsWith('AT+CIPCLOSE')) { this.linkUp = false; this.rx = []; return this.say(sim ? '\r\n0, CLOSE OK\r\n' : '\r\n0,CLOSED\r\n\r\nOK\r\n'); }
    this.say('\r\nERROR\r\n');
  }
}
