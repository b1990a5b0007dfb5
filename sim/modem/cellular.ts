// What the LTE module emulators (SIM7600, BG96) share: the 3GPP commands
// (CPIN, CREG / CGREG / CEREG, CGATT, CFUN, CSQ, COPS, CMEE, IPR), the
// registration that takes seconds on LTE-M, and links with a receive
// buffer read on request (the modules' "manual" / "buffer access" mode).
import net from 'node:net';
import { L, ModemBase, int, takeBytes, type Cmd } from './base.ts';
import { tlsReason } from './tls.ts';
import type { LteTiming, ModemOptions } from './types.ts';

export interface CellLink {
  id: number;
  sock: net.Socket | null;
  st: 'connecting' | 'connected' | 'closed';
  secure: boolean;
  host: string;
  port: number;
  rx: Buffer[];
  rxLen: number;
  /** bytes ever received / read (BG96 AT+QIRD=id,0) */
  total: number;
  read: number;
  /** the data URC was sent and the buffer has not been emptied since */
  told: boolean;
  paused: boolean;
}

const RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

export abstract class CellModem extends ModemBase<LteTiming> {
  protected readonly echoData = false;
  protected cmee = 0;
  protected cfun = 1;
  protected registered = false;
  protected attached = false;
  private readonly regN: Record<string, number> = { '+CREG': 0, '+CGREG': 0, '+CEREG': 0 };
  protected links: (CellLink | null)[] = [];
  protected abstract readonly maxLinks: number;

  constructor(opts: ModemOptions, vendor: LteTiming & { pwrkeyMs: number; pwrkeyOffMs: number }) {
    super(opts, vendor);
  }

  protected resetCell(): void {
    this.cmee = 0; this.cfun = 1; this.registered = false; this.attached = false;
    this.regN['+CREG'] = 0; this.regN['+CGREG'] = 0; this.regN['+CEREG'] = 0;
    this.resetLinks();
    this.after(this.T.lteRegisterMs, () => this.register());
  }

  protected register(): void {
    if (this.cfun !== 1) return;
    this.registered = true;
    this.attached = true;
    for (const name of ['+CREG', '+CGREG', '+CEREG']) if (this.regN[name]! > 0) this.emit(L(`${name}: 1`));
  }

  protected resetLinks(): void {
    this.links = new Array<CellLink | null>(this.maxLinks).fill(null);
  }

  protected busyByte(): boolean {
    return false; // input waits until the running command has its final result
  }

  protected newLink(id: number, host: string, port: number, secure: boolean): CellLink {
    return { id, sock: null, st: 'connecting', secure, host, port, rx: [], rxLen: 0, total: 0, read: 0, told: false, paused: false };
  }

  protected linkAt(text: string | undefined): CellLink | null {
    const id = int(text);
    return id >= 0 && id < this.maxLinks ? this.links[id] ?? null : null;
  }

  protected validId(text: string | undefined): number {
    const id = int(text);
    return id >= 0 && id < this.maxLinks ? id : -1;
  }

  protected newIp(): string {
    return `10.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
  }

  /** The 3GPP commands every module answers alike; false when `c` is not one of them. */
  protected common(c: Cmd): boolean {
    const { name, op, args } = c;
    switch (name) {
      case '': this.ok(); return true;
      case 'E': this.ate(op, args); return true;
      case 'V': if (args[0] === '1' || op === '') this.ok(); else this.error(); return true;
      case '&W': this.ok(); return true;
      case '+GSN': case '+CGSN': this.reply(L('8690000' + String(this.rng.int(10000000, 99999999))), L('OK')); return true;
      case '+CSQ': this.reply(L(this.registered ? '+CSQ: 20,99' : '+CSQ: 99,99'), L('OK')); return true;
      case '+COPS':
        if (op === '?') this.reply(L(this.registered ? '+COPS: 0,0,"ATMQTT LTE",8' : '+COPS: 0'), L('OK'));
        else if (op === '=') this.ok();
        else this.error();
        return true;
      case '+CMEE':
        if (op === '?') this.reply(L(`+CMEE: ${this.cmee}`), L('OK'));
        else if (op === '=' && int(args[0]) <= 2) { this.cmee = int(args[0]); this.ok(); }
        else this.error();
        return true;
      case '+CPIN':
        if (op === '?') this.reply(L('+CPIN: READY'), L('OK'));
        else this.error();
        return true;
      case '+CREG': case '+CGREG': case '+CEREG': this.creg(name, op, args); return true;
      case '+CGATT': this.cgatt(op, args); return true;
      case '+CFUN': this.cfunCmd(op, args); return true;
      case '+IPR': this.iprCmd(op, args); return true;
      case '+CTZR': case '+CTZU': case '+CGDCONT': case '+CGAUTH': case '+CSCLK':
        if (op === '=' || op === '?') { if (op === '?') this.reply(L(`${name}: 0`), L('OK')); else this.ok(); } else this.error();
        return true;
      default: return false;
    }
  }

  private creg(name: string, op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`${name}: ${this.regN[name]},${this.registered ? 1 : 2}`), L('OK'));
    if (op === '=' && int(args[0]) <= 2) { this.regN[name] = int(args[0]); return this.ok(); }
    if (op === '=?') return this.reply(L(`${name}: (0-2)`), L('OK'));
    this.error();
  }

  private cgatt(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CGATT: ${this.attached ? 1 : 0}`), L('OK'));
    if (op !== '=' || (args[0] !== '0' && args[0] !== '1') || this.cfun !== 1) return this.error();
    if (args[0] === '0') { this.attached = false; this.pdpLost(); return this.ok(); }
    const wait = Math.max(0, this.poweredAt + this.T.lteRegisterMs - this.now());
    this.busyFor(wait, () => { if (this.registered) { this.attached = true; this.ok(); } else this.error(); });
  }

  private cfunCmd(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CFUN: ${this.cfun}`), L('OK'));
    if (op !== '=') return this.error();
    const fun = int(args[0]);
    if (fun === 1 && args[1] === '1') {
      this.ok();
      this.after(this.txDrainMs() + 50, () => this.powerOn());
      return;
    }
    if (fun === 0 || fun === 4) {
      this.cfun = fun;
      this.registered = false;
      this.attached = false;
      this.pdpLost();
      return this.ok();
    }
    if (fun === 1) {
      const was = this.cfun;
      this.cfun = 1;
      if (was !== 1) this.after(this.T.lteRegisterMs, () => this.register());
      return this.ok();
    }
    this.error();
  }

  private iprCmd(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+IPR: ${this.opts.baud ?? 115200}`), L('OK'));
    if (op !== '=') return this.error();
    const rate = int(args[0]);
    if (!RATES.includes(rate)) return this.error();
    this.ok(); // still at the old rate
    this.switchBaudAfterReply(rate);
  }

  /** The PDP context is gone (CFUN=0/4, CGATT=0, fault): every link is dead; the vendor says so its way. */
  protected abstract pdpLost(): void;

  // ---- links -------------------------------------------------------------

  /**
   * Opens link `l` over a real TCP (or TLS) connection. opened(err): 0 on
   * success, else 'refused' | 'timeout' | 'handshake'; closedByPeer once
   * an open link ends.
   */
  protected connectLink(l: CellLink, verify: boolean, opened: (err: 0 | 'refused' | 'timeout' | 'handshake', why: string) => void, closedByPeer: () => void, dataUrc: () => void): void {
    const secure = l.secure ? { verify } : undefined;
    l.sock = this.openTcp(l.host, l.port, this.T.lteConnectTimeoutMs, {
      connect: () => {
        this.after(this.T.connectMs, () => {
          if (this.links[l.id] !== l || l.st !== 'connecting') return;
          l.st = 'connected';
          this.counters.connects++;
          opened(0, '');
        });
      },
      data: (d) => {
        if (this.links[l.id] !== l || l.st !== 'connected') return;
        l.rx.push(d);
        l.rxLen += d.length;
        l.total += d.length;
        if (!l.told) { l.told = true; dataUrc(); }
        if (l.rxLen >= this.T.lteRxBufMax && l.sock && !l.paused) { l.paused = true; l.sock.pause(); }
      },
      close: (err, handshake) => {
        if (this.links[l.id] !== l) return;
        if (l.st === 'connecting') {
          l.st = 'closed';
          this.links[l.id] = null;
          opened(handshake ? 'handshake' : err?.code === 'ETIMEDOUT' ? 'timeout' : 'refused', tlsReason(err));
        } else if (l.st === 'connected') {
          this.dropSocket(l.sock);
          l.sock = null;
          l.st = 'closed';
          // what was received stays readable until the link is closed
          closedByPeer();
        }
      },
    }, secure);
  }

  /** Takes up to n buffered bytes of a link. */
  protected take(l: CellLink, n: number): Buffer {
    const data = takeBytes(l.rx, n);
    l.rxLen -= data.length;
    l.read += data.length;
    if (l.rxLen === 0) l.told = false;
    if (l.paused && l.rxLen < this.T.lteRxBufMax / 2 && l.sock) { l.paused = false; l.sock.resume(); }
    return data;
  }

  protected closeLink(l: CellLink, graceful: boolean): void {
    this.dropSocket(l.sock, graceful);
    l.sock = null;
    l.st = 'closed';
    this.links[l.id] = null;
  }

  protected dropAll(): void {
    for (const l of this.links) if (l) this.dropSocket(l.sock);
    this.resetLinks();
  }

  protected openLinks(): CellLink[] {
    return this.links.filter((l): l is CellLink => l !== null && l.st === 'connected');
  }
}
