// SIMCom SIM7600 (LTE Cat-1) with its own TCP/IP command set: AT+NETOPEN
// opens the network, AT+CIPOPEN a link (0-9), AT+CIPSEND=n,len sends and
// is acknowledged by `+CIPSEND: n,len,len`, data waits in the module
// (AT+CIPRXGET=1) after `+CIPRXGET: 1,n` until AT+CIPRXGET=2,n,len. SSL
// goes through the CCH service: AT+CCHSTART, AT+CCHOPEN=s,"host",port,2,
// AT+CCHSEND, and with AT+CCHSET=1,1 the data waits for AT+CCHRECV after
// `+CCHEVENT: s,RECV EVENT`. Sources and guesses: docs/modems/sim7600.md.
import { L, int, type Cmd } from './base.ts';
import { CellModem, type CellLink } from './cellular.ts';
import type { LteTiming, ModemOptions } from './types.ts';

/**
 * SIM7600 delays. Real modules take ~12 s to RDY and several seconds to
 * register; the defaults are shortened so a run starts in a few seconds,
 * with registration still the longest step.
 */
export const SIM7600_TIMING: LteTiming & { pwrkeyMs: number; pwrkeyOffMs: number } = {
  lteRdyMs: 600,
  lteCpinMs: 700,
  lteDoneMs: 1200,
  lteRegisterMs: 2000,
  pdpActMs: 300,
  pdpDeactMs: 150,
  lteConnectTimeoutMs: 120000,
  lteSendMs: 40,
  lteRxBufMax: 16384,
  // SIM7600 Hardware Design V1.03: PWRKEY low ≥ 100 ms (typ 500 ms) powers on, ≥ 2.5 s powers off
  pwrkeyMs: 500,
  pwrkeyOffMs: 2500,
};

const MAX_SEND = 1500;
const MAX_READ = 1500;
const CIP_LINKS = 10;
const CCH_SESSIONS = 2;
/** CCH sessions live in links[CIP_LINKS + s] */
const CCH_BASE = CIP_LINKS;

const MAX_TIME: Record<string, number> = {
  '+NETOPEN': 120000, '+NETCLOSE': 120000, '+CIPOPEN': 120000, '+CIPCLOSE': 120000, '+CCHOPEN': 120000,
  '+CCHSTART': 12000, '+CFUN': 9000, '+CGATT': 75000,
};

export class Sim7600Modem extends CellModem {
  protected readonly maxLinks = CIP_LINKS + CCH_SESSIONS;
  private net_: 'closed' | 'opening' | 'open' = 'closed';
  private rxget = 0;
  private ip = '0.0.0.0';
  private cch = false;
  private cchReport = 0;
  private cchManual = 0;
  /** AT+CSSLCFG="authmode",ctx,0: no server verification */
  private authNone = false;
  private lateDone = false;

  constructor(opts: ModemOptions) {
    super(opts, SIM7600_TIMING);
  }

  protected maxTimeMs(name: string): number {
    return MAX_TIME[name] ?? 1000;
  }

  protected override powerDownUrc(): string | null {
    return null; // SIM7600: no URC at PWRKEY power-down
  }

  protected boot(): void {
    this.net_ = 'closed'; this.rxget = 0; this.ip = '0.0.0.0';
    this.cch = false; this.cchReport = 0; this.cchManual = 0; this.authNone = false;
    this.resetCell();
    this.after(this.T.lteRdyMs, () => { this.ready = true; this.emit(L('RDY')); });
    this.after(this.T.lteCpinMs, () => this.emit(L('+CPIN: READY')));
    this.lateDone = (this.opts.lateReady ?? 0) > 0 && this.rng.chance(this.opts.lateReady ?? 0);
    if (!this.lateDone) this.after(this.T.lteDoneMs, () => this.doneUrcs());
  }

  private doneUrcs(): void {
    this.lateDone = false;
    this.emit(L('SMS DONE') + L('PB DONE'));
  }

  protected override faultLateReady(): void { this.doneUrcs(); }

  protected exec(c: Cmd): void {
    if (this.common(c)) return;
    const { name, op, args } = c;
    switch (name) {
      case 'I': return this.reply(L('Manufacturer: SIMCOM INCORPORATED') + L('Model: SIMCOM_SIM7600E-H') + L('Revision: SIM7600M22_V2.0'), L('OK'));
      case '+CGMR': return this.reply(L('+CGMR: LE20B04SIM7600M22'), L('OK'));
      case '+CICCID': return this.reply(L('+ICCID: 89445000000000000000'), L('OK'));
      case '+CRESET':
        this.ok();
        this.after(this.txDrainMs() + 50, () => this.powerOn());
        return;
      case '+CPOF': this.ok(); return this.shutdown(null);
      case '+CIPMODE': case '+CIPSENDMODE':
        return op === '=' && args[0] === '0' ? this.ok() : this.error(); // transparent mode, send-wait not emulated
      case '+CIPCCFG': case '+CIPTIMEOUT': case '+CIPHEAD': case '+CIPSRIP':
        return op === '=' ? this.ok() : this.error();
      case '+NETOPEN': return this.netopen(op);
      case '+NETCLOSE': return this.netclose(op);
      case '+IPADDR':
        if (this.net_ !== 'open') return this.reply(L('+IP ERROR: Network not opened'), L('ERROR'));
        return this.reply(L(`+IPADDR: ${this.ip}`), L('OK'));
      case '+CIPRXGET': return this.ciprxget(op, args);
      case '+CIPOPEN': return this.cipopen(op, args);
      case '+CIPSEND': return this.cipsend(op, args);
      case '+CIPCLOSE': return this.cipclose(op, args);
      case '+CSSLCFG': return this.csslcfg(op, args);
      case '+CCHSET':
        if (op === '?') return this.reply(L(`+CCHSET: ${this.cchReport},${this.cchManual}`), L('OK'));
        if (op !== '=' || !['0', '1'].includes(args[0] ?? '') || !['0', '1', undefined].includes(args[1])) return this.error();
        this.cchReport = int(args[0]); this.cchManual = args[1] === '1' ? 1 : 0;
        return this.ok();
      case '+CCHMODE': return op === '=' && args[0] === '0' ? this.ok() : this.error();
      case '+CCHSSLCFG': return op === '=' && this.validSession(args[0]) >= 0 ? this.ok() : this.error();
      case '+CCHSTART':
        if (!this.sslCapable || this.cch) return this.error();
        this.cch = true;
        this.ok();
        return this.emit(L('+CCHSTART: 0'));
      case '+CCHSTOP':
        if (!this.cch) return this.error();
        for (let s = 0; s < CCH_SESSIONS; s++) { const l = this.links[CCH_BASE + s]; if (l) this.closeLink(l, false); }
        this.cch = false;
        this.ok();
        return this.emit(L('+CCHSTOP: 0'));
      case '+CCHOPEN': return this.cchopen(op, args);
      case '+CCHSEND': return this.cchsend(op, args);
      case '+CCHRECV': return this.cchrecv(op, args);
      case '+CCHCLOSE': return this.cchclose(op, args);
      default: return this.error();
    }
  }

  // ---- network -------------------------------------------------------------

  private netopen(op: Cmd['op']): void {
    if (op === '?') return this.reply(L(`+NETOPEN: ${this.net_ === 'open' ? 1 : 0}`), L('OK'));
    if (op !== '') return this.error();
    if (this.net_ !== 'closed') return this.reply(L('+IP ERROR: Network is already opened'), L('ERROR'));
    this.net_ = 'opening';
    this.ok();
    this.after(this.T.pdpActMs, () => {
      if (this.net_ !== 'opening') return;
      const apnOk = !this.opts.requireApn; // the APN comes from CGDCONT, not modelled per value
      if (!this.attached || !apnOk) { this.net_ = 'closed'; return this.emit(L('+NETOPEN: 1')); }
      this.net_ = 'open';
      this.ip = this.newIp();
      this.emit(L('+NETOPEN: 0'));
    });
  }

  private netclose(op: Cmd['op']): void {
    if (op !== '') return this.error();
    if (this.net_ === 'closed') return this.reply(L('+NETCLOSE: 2'), L('ERROR'));
    for (let i = 0; i < CIP_LINKS; i++) { const l = this.links[i]; if (l) this.closeLink(l, true); }
    this.ok();
    this.busyFor(this.T.pdpDeactMs, () => {
      this.net_ = 'closed';
      this.ip = '0.0.0.0';
      this.emit(L('+NETCLOSE: 0'));
    });
  }

  protected pdpLost(): void {
    const wasOpen = this.net_ !== 'closed';
    this.dropAll();
    this.net_ = 'closed';
    this.cch = false;
    this.ip = '0.0.0.0';
    if (wasOpen) this.emit(L('+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY'));
  }

  // ---- TCP links -----------------------------------------------------------

  private cipopen(op: Cmd['op'], args: string[]): void {
    if (op === '?') {
      let s = '';
      for (let i = 0; i < CIP_LINKS; i++) {
        const l = this.links[i];
        s += L(l && l.st === 'connected' ? `+CIPOPEN: ${i},"TCP","${l.host}",${l.port},-1` : `+CIPOPEN: ${i}`);
      }
      return this.reply(s, L('OK'));
    }
    const id = this.validId(args[0]);
    const port = int(args[3]);
    if (op !== '=' || id < 0 || id >= CIP_LINKS || (args[1] ?? '').toUpperCase() !== 'TCP' || !args[2] || !(port >= 1 && port <= 65535)) return this.error();
    if (this.net_ !== 'open') return this.reply(L(`+CIPOPEN: ${id},2`), L('ERROR'));
    if (this.links[id]) return this.reply(L(`+CIPOPEN: ${id},4`), L('ERROR'));
    const l = this.newLink(id, args[2], port, false);
    this.links[id] = l;
    this.ok();
    this.connectLink(l, true,
      (err) => this.emit(L(`+CIPOPEN: ${id},${err === 0 ? 0 : err === 'timeout' ? 10 : 1}`)),
      () => this.emit(L(`+IPCLOSE: ${id},1`)),
      () => { if (this.rxget === 1) this.emit(L(`+CIPRXGET: 1,${id}`)); else this.push(l); });
  }

  /** Automatic receive (CIPRXGET=0): the data comes as `+RECEIVE,n,len` then the bytes. */
  private push(l: CellLink): void {
    while (l.rxLen > 0) {
      const data = this.take(l, MAX_READ);
      const head = `\r\n+RECEIVE,${l.id},${data.length}\r\n`;
      if (this.brownOut(head, data)) return;
      this.emit(Buffer.concat([Buffer.from(head, 'latin1'), data]));
    }
  }

  private cipsend(op: Cmd['op'], args: string[]): void {
    if (op === '=?') return this.reply(L(`+CIPSEND: (0-${CIP_LINKS - 1}),(1-${MAX_SEND})`), L('OK'));
    const id = this.validId(args[0]);
    const len = int(args[1]);
    const l = id >= 0 && id < CIP_LINKS ? this.links[id] : null;
    if (op !== '=' || !l || l.st !== 'connected' || !(len >= 1 && len <= MAX_SEND)) return this.error();
    this.emit('\r\n>');
    if (this.storming()) this.stormOne(); // between '>' and the data
    this.expectData(len, (data) => this.sent(l, data, (n) => this.reply(L('OK'), L(`+CIPSEND: ${id},${data.length},${n}`)), () => this.emit(L(`+IPCLOSE: ${id},1`))));
  }

  /**
   * The data after `>`: to the peer, then acknowledged after lteSendMs.
   * A 'send-fail' fault (or a link gone meanwhile) acknowledges -1 and the
   * link closes.
   */
  private sent(l: CellLink, data: Uint8Array, ack: (n: number) => void, closedUrc: () => void): void {
    if (this.storming()) this.stormOne();
    if (this.links[l.id] !== l || l.st !== 'connected' || !l.sock) return ack(-1);
    if (this.sendFailNext) {
      this.sendFailNext = false;
      this.dropSocket(l.sock);
      l.sock = null;
      l.st = 'closed';
      ack(-1);
      return closedUrc();
    }
    this.netWrite(l.sock, data);
    this.busyFor(this.T.lteSendMs, () => ack(this.links[l.id] === l && l.st === 'connected' ? data.length : -1), 's');
  }

  private ciprxget(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CIPRXGET: ${this.rxget}`), L('OK'));
    if (op !== '=') return this.error();
    const mode = int(args[0]);
    if (mode === 0 || mode === 1) {
      this.rxget = mode;
      return this.ok();
    }
    if (this.rxget !== 1 || !(mode >= 2 && mode <= 4)) return this.error();
    const id = this.validId(args[1]);
    const l = id >= 0 && id < CIP_LINKS ? this.links[id] : null;
    if (!l) return this.reply(L('+IP ERROR: No data'), L('ERROR'));
    if (mode === 4) return this.reply(L(`+CIPRXGET: 4,${id},${l.rxLen}`), L('OK'));
    const want = int(args[2]);
    if (!(want >= 1)) return this.error();
    if (l.rxLen === 0) return this.reply(L('+IP ERROR: No data'), L('ERROR'));
    const data = this.take(l, Math.min(want, mode === 2 ? MAX_READ : MAX_READ / 2));
    const body = mode === 2 ? data : Buffer.from(data.toString('hex').toUpperCase(), 'latin1');
    const head = `\r\n+CIPRXGET: ${mode},${id},${data.length},${l.rxLen}\r\n`;
    if (this.brownOut(head, body)) return;
    this.reply(Buffer.concat([Buffer.from(head, 'latin1'), body]), L('OK'));
    if (l.st === 'closed' && l.rxLen === 0) this.links[id] = null;
  }

  private cipclose(op: Cmd['op'], args: string[]): void {
    if (op === '?') {
      const states = Array.from({ length: CIP_LINKS }, (_, i) => (this.links[i]?.st === 'connected' ? 1 : 0));
      return this.reply(L(`+CIPCLOSE: ${states.join(',')}`), L('OK'));
    }
    const id = this.validId(args[0]);
    const l = id >= 0 && id < CIP_LINKS ? this.links[id] : null;
    if (op !== '=' || !l) return this.reply(L(`+CIPCLOSE: ${id < 0 ? 0 : id},4`), L('ERROR'));
    this.closeLink(l, true);
    this.ok();
    this.emit(L(`+CIPCLOSE: ${id},0`));
  }

  // ---- SSL (CCH) -----------------------------------------------------------

  private validSession(text: string | undefined): number {
    const s = int(text);
    return s >= 0 && s < CCH_SESSIONS ? s : -1;
  }

  private csslcfg(op: Cmd['op'], args: string[]): void {
    if (!this.sslCapable || op !== '=') return this.error();
    const what = (args[0] ?? '').toLowerCase();
    if (what === 'authmode') {
      this.authNone = args[2] === '0';
      if (this.authNone) this.notice('warning: AT+CSSLCFG="authmode",ctx,0: server certificates will NOT be verified (insecure)');
    }
    this.ok();
  }

  private cchopen(op: Cmd['op'], args: string[]): void {
    const s = this.validSession(args[0]);
    const port = int(args[2]);
    if (op !== '=' || s < 0 || !this.cch || !args[1] || !(port >= 1 && port <= 65535)) return this.error();
    if (this.net_ !== 'open' && !this.attached) return this.reply(L(`+CCHOPEN: ${s},17`), L('ERROR'));
    if (this.links[CCH_BASE + s]) return this.reply(L(`+CCHOPEN: ${s},11`), L('ERROR'));
    const secure = (args[3] ?? '2') === '2';
    const l = this.newLink(CCH_BASE + s, args[1], port, secure);
    this.links[CCH_BASE + s] = l;
    this.ok();
    if (secure && this.authNone) this.notice(`link ${s}: TLS to ${l.host}:${l.port} without certificate verification`);
    this.connectLink(l, !this.authNone,
      (err, why) => {
        if (err === 'handshake') this.notice(`link ${s}: TLS handshake with ${l.host}:${l.port} failed: ${why}`);
        this.emit(L(`+CCHOPEN: ${s},${err === 0 ? 0 : err === 'handshake' ? 15 : err === 'timeout' ? 5 : 14}`));
      },
      () => this.emit(L(`+CCH_PEER_CLOSED: ${s}`)),
      () => { if (this.cchManual === 1) this.emit(L(`+CCHEVENT: ${s},RECV EVENT`)); else this.cchPush(l, s); });
  }

  /** CCHSET x,0: the data comes as `+CCHRECV: DATA,s,len` then the bytes. */
  private cchPush(l: CellLink, s: number): void {
    while (l.rxLen > 0) {
      const data = this.take(l, MAX_READ);
      const head = `\r\n+CCHRECV: DATA,${s},${data.length}\r\n`;
      if (this.brownOut(head, data)) return;
      this.emit(Buffer.concat([Buffer.from(head, 'latin1'), data]));
    }
  }

  private cchsend(op: Cmd['op'], args: string[]): void {
    const s = this.validSession(args[0]);
    const len = int(args[1]);
    const l = s >= 0 ? this.links[CCH_BASE + s] : null;
    if (op !== '=' || !l || l.st !== 'connected' || !(len >= 1 && len <= 2048)) return this.error();
    this.emit('\r\n>');
    if (this.storming()) this.stormOne();
    this.expectData(len, (data) => this.sent(l, data, (n) => {
      if (n < 0) return this.reply(L('ERROR'));
      this.reply(L('OK'), ...(this.cchReport === 1 ? [L(`+CCHSEND: ${s},0`)] : []));
    }, () => this.emit(L(`+CCH_PEER_CLOSED: ${s}`))));
  }

  private cchrecv(op: Cmd['op'], args: string[]): void {
    if (op === '?') {
      const n = (i: number): number => this.links[CCH_BASE + i]?.rxLen ?? 0;
      return this.reply(L(`+CCHRECV: LEN,${n(0)},${n(1)}`), L('OK'));
    }
    const s = this.validSession(args[0]);
    const l = s >= 0 ? this.links[CCH_BASE + s] : null;
    if (op !== '=' || !l || this.cchManual !== 1) return this.error();
    const want = args[1] === undefined ? MAX_READ : int(args[1]);
    if (!(want >= 1)) return this.error();
    const data = this.take(l, Math.min(want, MAX_READ));
    if (data.length === 0) return this.reply(L(`+CCHRECV: ${s},0`), L('OK'));
    const head = `\r\n+CCHRECV: DATA,${s},${data.length}\r\n`;
    if (this.brownOut(head, data)) return;
    this.reply(Buffer.concat([Buffer.from(head, 'latin1'), data]), L(`+CCHRECV: ${s},0`), L('OK'));
    if (l.st === 'closed' && l.rxLen === 0) this.links[CCH_BASE + s] = null;
  }

  private cchclose(op: Cmd['op'], args: string[]): void {
    const s = this.validSession(args[0]);
    const l = s >= 0 ? this.links[CCH_BASE + s] : null;
    if (op !== '=' || !l) return this.error();
    this.closeLink(l, true);
    this.ok();
    this.emit(L(`+CCHCLOSE: ${s},0`));
  }

  // ---- faults --------------------------------------------------------------

  protected faultPdpDeact(): void {
    this.pdpLost();
  }

  protected faultDrop(): void {
    for (const l of this.openLinks()) {
      this.dropSocket(l.sock);
      l.sock = null;
      l.st = 'closed';
      this.emit(L(l.id >= CCH_BASE ? `+CCH_PEER_CLOSED: ${l.id - CCH_BASE}` : `+IPCLOSE: ${l.id},1`));
    }
  }

  protected stormUrc(): string | null {
    const options = ['RING', '+CTZV: +0,0', '+CMTI: "SM",1', '+CGEV: ME PDN ACT 1', '+CNSMOD: 8'];
    const open = this.openLinks();
    if (open.length > 0) {
      const l = this.rng.pick(open);
      const u = l.id >= CCH_BASE ? (this.cchManual === 1 ? `+CCHEVENT: ${l.id - CCH_BASE},RECV EVENT` : null) : this.rxget === 1 ? `+CIPRXGET: 1,${l.id}` : null;
      if (u) options.push(u, u);
    }
    return this.rng.pick(options);
  }
}
