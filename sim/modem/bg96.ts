// Quectel BG96 (LTE-M / NB-IoT) with its TCP/IP and SSL command sets:
// AT+QICSGP configures and AT+QIACT activates the PDP context, AT+QIOPEN
// opens a link (0-11) in buffer access mode and answers `+QIOPEN: id,err`,
// AT+QISEND=id,len sends (`SEND OK`), data waits after `+QIURC: "recv",id`
// until AT+QIRD=id,len; `+QIURC: "closed",id` and `+QIURC: "pdpdeact",ctx`
// report losses. SSL: AT+QSSLCFG, AT+QSSLOPEN / QSSLSEND / QSSLRECV /
// QSSLCLOSE with `+QSSLURC`. Sources and guesses: docs/modems/bg96.md.
import { L, int, type Cmd } from './base.ts';
import { CellModem, type CellLink } from './cellular.ts';
import type { LteTiming, ModemOptions } from './types.ts';

/**
 * BG96 delays. A real BG96 prints RDY ~5 s after PWRKEY and needs from a
 * few to tens of seconds to attach on LTE-M; the defaults are shortened,
 * registration still the longest step.
 */
export const BG96_TIMING: LteTiming & { pwrkeyMs: number; pwrkeyOffMs: number } = {
  lteRdyMs: 500,
  lteCpinMs: 600,
  lteDoneMs: 900,
  lteRegisterMs: 3000,
  pdpActMs: 400,
  pdpDeactMs: 200,
  lteConnectTimeoutMs: 150000,
  lteSendMs: 30,
  lteRxBufMax: 16384,
  // BG96 Hardware Design V1.4: PWRKEY low ≥ 500 ms powers on; ≥ 650 ms powers off
  pwrkeyMs: 500,
  pwrkeyOffMs: 650,
};

const MAX_SEND = 1460;
const MAX_READ = 1500;
const LINKS = 12;
/** TCP/IP manual: 563 socket identity has been used, 566 socket connect failed, 569 operation timeout, 561 open PDP context failed */
const ERR_USED = 563;
const ERR_CONNECT = 566;
const ERR_TIMEOUT = 569;

const MAX_TIME: Record<string, number> = {
  '+QIACT': 150000, '+QIDEACT': 40000, '+QIOPEN': 150000, '+QICLOSE': 10000, '+QSSLOPEN': 150000, '+CGATT': 140000, '+CFUN': 15000,
};

export class Bg96Modem extends CellModem {
  protected readonly maxLinks = LINKS;
  private apn = '';
  private ctxActive = false;
  private ip = '0.0.0.0';
  /** SSL context 0-5: seclevel 0 = no server verification */
  private secNone = new Set<number>();
  private lateDone = false;

  constructor(opts: ModemOptions) {
    super(opts, BG96_TIMING);
  }

  protected maxTimeMs(name: string): number {
    return MAX_TIME[name] ?? 300;
  }

  protected override powerDownUrc(): string | null {
    return 'POWERED DOWN';
  }

  protected boot(): void {
    this.apn = ''; this.ctxActive = false; this.ip = '0.0.0.0'; this.secNone = new Set();
    this.resetCell();
    this.after(this.T.lteRdyMs, () => { this.ready = true; this.emit(L('RDY')); });
    this.after(this.T.lteCpinMs, () => this.emit(L('+CFUN: 1') + L('+CPIN: READY') + L('+QUSIM: 1')));
    this.lateDone = (this.opts.lateReady ?? 0) > 0 && this.rng.chance(this.opts.lateReady ?? 0);
    if (!this.lateDone) this.after(this.T.lteDoneMs, () => this.doneUrcs());
  }

  private doneUrcs(): void {
    this.lateDone = false;
    this.emit(L('+QIND: SMS DONE') + L('APP RDY'));
  }

  protected override faultLateReady(): void { this.doneUrcs(); }

  protected exec(c: Cmd): void {
    if (this.common(c)) return;
    const { name, op, args } = c;
    switch (name) {
      case 'I': return this.reply(L('Quectel') + L('BG96') + L('Revision: BG96MAR02A07M1G'), L('OK'));
      case '+CGMR': case '+QGMR': return this.reply(L('BG96MAR02A07M1G'), L('OK'));
      case '+QCCID': return this.reply(L('+QCCID: 89445000000000000000'), L('OK'));
      case '+QPOWD':
        if (op === '=' && args[0] === '0') return this.shutdown(null);
        this.ok();
        return this.shutdown('POWERED DOWN');
      case '+QCFG': case '+QURCCFG': case '+QIDNSCFG':
        return op === '=' ? this.ok() : this.error();
      case '+QICSGP': return this.qicsgp(op, args);
      case '+QIACT': return this.qiact(op, args);
      case '+QIDEACT': return this.qideact(op, args);
      case '+QIOPEN': return this.qiopen(op, args, false);
      case '+QSSLOPEN': return this.qiopen(op, args, true);
      case '+QISEND': return this.qisend(op, args, false);
      case '+QSSLSEND': return this.qisend(op, args, true);
      case '+QIRD': return this.qird(op, args, false);
      case '+QSSLRECV': return this.qird(op, args, true);
      case '+QICLOSE': return this.qiclose(op, args, false);
      case '+QSSLCLOSE': return this.qiclose(op, args, true);
      case '+QISTATE': case '+QSSLSTATE': return this.qistate(name === '+QSSLSTATE', op, args);
      case '+QSSLCFG': return this.qsslcfg(op, args);
      case '+QIGETERROR': return this.reply(L('+QIGETERROR: 0,operation success'), L('OK'));
      default: return this.error();
    }
  }

  // ---- PDP context ---------------------------------------------------------

  private qicsgp(op: Cmd['op'], args: string[]): void {
    if (op === '?' || (op === '=' && args.length === 1)) {
      if (int(args[0]) !== 1 && op === '=') return this.error();
      return this.reply(L(`+QICSGP: 1,"${this.apn}","","",0`), L('OK'));
    }
    if (op !== '=' || int(args[0]) !== 1 || args.length < 3) return this.error();
    this.apn = args[2] ?? '';
    this.ok();
  }

  private qiact(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(...(this.ctxActive ? [L(`+QIACT: 1,1,1,"${this.ip}"`)] : []), L('OK'));
    if (op !== '=' || int(args[0]) !== 1) return this.error();
    if (this.ctxActive) return this.error(); // already active: ERROR, as users report
    this.busyFor(this.T.pdpActMs, () => {
      const apnOk = !this.opts.requireApn || this.opts.apn === undefined || this.opts.apn === this.apn;
      if (!this.attached || !apnOk) return this.error();
      this.ctxActive = true;
      this.ip = this.newIp();
      this.ok();
    });
  }

  private qideact(op: Cmd['op'], args: string[]): void {
    if (op !== '=' || int(args[0]) !== 1) return this.error();
    this.dropAll();
    this.busyFor(this.T.pdpDeactMs, () => {
      this.ctxActive = false;
      this.ip = '0.0.0.0';
      this.ok();
    });
  }

  protected pdpLost(): void {
    const was = this.ctxActive;
    this.dropAll();
    this.ctxActive = false;
    this.ip = '0.0.0.0';
    if (was) this.emit(L('+QIURC: "pdpdeact",1'));
  }

  // ---- links ---------------------------------------------------------------

  private urc(l: CellLink): string {
    return l.secure ? '+QSSLURC' : '+QIURC';
  }

  /** AT+QIOPEN=1,id,"TCP","host",port,0,0 / AT+QSSLOPEN=1,sslctx,id,"host",port,0 */
  private qiopen(op: Cmd['op'], args: string[], ssl: boolean): void {
    if (op !== '=') return this.error();
    const [ctxText, a1, a2, a3, a4, a5] = args;
    const id = this.validId(ssl ? a2 : a1);
    const host = ssl ? a3 : a3;
    const port = int(ssl ? a4 : a4);
    const mode = ssl ? a5 ?? '0' : args[6] ?? '0';
    const sslCtx = ssl ? int(a1) : 0;
    if (int(ctxText) !== 1 || id < 0 || !host || !(port >= 1 && port <= 65535)) return this.error();
    if (!ssl && (a2 ?? '').toUpperCase() !== 'TCP') return this.error(); // UDP, listeners not emulated
    if (ssl && (!this.sslCapable || !(sslCtx >= 0 && sslCtx <= 5))) return this.error();
    if (mode !== '0') return this.error(); // direct push and transparent access not emulated
    const tag = ssl ? '+QSSLOPEN' : '+QIOPEN';
    if (this.links[id]) { this.ok(); return this.emit(L(`${tag}: ${id},${ERR_USED}`)); }
    if (!this.ctxActive) { this.ok(); return this.emit(L(`${tag}: ${id},${ERR_CONNECT}`)); }
    const l = this.newLink(id, host, port, ssl);
    this.links[id] = l;
    this.ok();
    const verify = !this.secNone.has(sslCtx);
    if (ssl && !verify) this.notice(`link ${id}: TLS to ${host}:${port} without certificate verification (seclevel 0)`);
    this.connectLink(l, verify,
      (err, why) => {
        if (err === 'handshake') this.notice(`link ${id}: TLS handshake with ${host}:${port} failed: ${why}`);
        this.emit(L(`${tag}: ${id},${err === 0 ? 0 : err === 'timeout' ? ERR_TIMEOUT : ERR_CONNECT}`));
      },
      () => this.emit(L(`${this.urc(l)}: "closed",${id}`)),
      () => this.emit(L(`${this.urc(l)}: "recv",${id}`)));
  }

  private qisend(op: Cmd['op'], args: string[], ssl: boolean): void {
    const id = this.validId(args[0]);
    const l = id >= 0 ? this.links[id] : null;
    const len = int(args[1]);
    if (op !== '=' || !l || l.secure !== ssl || l.st !== 'connected' || !(len >= 1 && len <= MAX_SEND)) return this.error();
    this.emit('\r\n> ');
    if (this.storming()) this.stormOne();
    this.expectData(len, (data) => {
      if (this.storming()) this.stormOne();
      if (this.links[id] !== l || l.st !== 'connected' || !l.sock) return this.emit(L('SEND FAIL'));
      if (this.sendFailNext) {
        this.sendFailNext = false;
        this.dropSocket(l.sock);
        l.sock = null;
        l.st = 'closed';
        this.emit(L('SEND FAIL'));
        return this.emit(L(`${this.urc(l)}: "closed",${id}`));
      }
      this.netWrite(l.sock, data);
      this.busyFor(this.T.lteSendMs, () => this.emit(L(this.links[id] === l && l.st === 'connected' ? 'SEND OK' : 'SEND FAIL')), 's');
    });
  }

  /** AT+QIRD=id,len: `+QIRD: n` CRLF bytes CRLF OK; AT+QIRD=id,0: `+QIRD: total,read,unread`. */
  private qird(op: Cmd['op'], args: string[], ssl: boolean): void {
    const id = this.validId(args[0]);
    const l = id >= 0 ? this.links[id] : null;
    const tag = ssl ? '+QSSLRECV' : '+QIRD';
    if (op !== '=' || !l || l.secure !== ssl) return this.error();
    const want = args[1] === undefined ? MAX_READ : int(args[1]);
    if (want === 0) return this.reply(L(`${tag}: ${l.total},${l.read},${l.rxLen}`), L('OK'));
    if (!(want >= 1)) return this.error();
    const data = this.take(l, Math.min(want, MAX_READ));
    if (data.length === 0) return this.reply(L(`${tag}: 0`), L('OK'));
    const head = `\r\n${tag}: ${data.length}\r\n`;
    if (this.brownOut(head, data)) return;
    this.reply(Buffer.concat([Buffer.from(head, 'latin1'), data]), L('OK'));
  }

  private qiclose(op: Cmd['op'], args: string[], ssl: boolean): void {
    const id = this.validId(args[0]);
    const l = id >= 0 ? this.links[id] : null;
    if (op !== '=' || id < 0) return this.error();
    if (!l) return this.ok(); // closing a closed link is not an error
    if (l.secure !== ssl) return this.error();
    this.closeLink(l, true);
    this.ok();
  }

  private qistate(ssl: boolean, op: Cmd['op'], args: string[]): void {
    if (op !== '=' || int(args[0]) !== 1) return this.error();
    const id = this.validId(args[1]);
    const l = id >= 0 ? this.links[id] : null;
    if (!l || l.secure !== ssl) return this.ok();
    const st = l.st === 'connected' ? 2 : l.st === 'connecting' ? 1 : 4;
    const type = ssl ? '"SSLClient"' : '"TCP"';
    this.reply(L(`${ssl ? '+QSSLSTATE' : '+QISTATE'}: ${id},${type},"${l.host}",${l.port},${40000 + id},${st},1,${ssl ? 0 : -1},0,"uart1"`), L('OK'));
  }

  private qsslcfg(op: Cmd['op'], args: string[]): void {
    if (!this.sslCapable || op !== '=') return this.error();
    const what = (args[0] ?? '').toLowerCase();
    const ctx = int(args[1]);
    if (!(ctx >= 0 && ctx <= 5)) return this.error();
    if (what === 'seclevel') {
      if (args[2] === '0') {
        this.secNone.add(ctx);
        this.notice(`warning: AT+QSSLCFG="seclevel",${ctx},0: server certificates will NOT be verified (insecure)`);
      } else this.secNone.delete(ctx);
    }
    this.ok();
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
      this.emit(L(`${this.urc(l)}: "closed",${l.id}`));
    }
  }

  protected stormUrc(): string | null {
    const options = ['RING', '+QIND: "csq",20,99', '+CTZE: "+00",0,"2026/12/03,15:00:00"', '+CMTI: "SM",1', '+QIND: "act","eMTC"'];
    const open = this.openLinks();
    if (open.length > 0) {
      const l = this.rng.pick(open);
      const u = `${this.urc(l)}: "recv",${l.id}`;
      options.push(u, u);
    }
    return this.rng.pick(options);
  }
}
