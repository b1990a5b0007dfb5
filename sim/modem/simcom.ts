// SIM800 / SIM900 (SIMCom TCP/IP stack, non-transparent mode): one state
// machine. SIM900 = SIM800 minus SSL and power-on garbage, with ids 0-7
// instead of 0-5 and at most 115200 baud. SIM800 SSL: AT+CIPSSL=1 makes
// every CIPSTART a TLS connection (AT+SSLOPT=0,1: without verification); a
// failed handshake shows as `CLOSE OK` instead of `CONNECT OK`.
import { Prng } from './prng.ts';
import dns from 'node:dns';
import net from 'node:net';
import { L, ModemBase, int, takeBytes, type Cmd } from './base.ts';
import { tlsReason } from './tls.ts';
import type { ModemOptions, SimTiming } from './types.ts';

type IpState = 'IP INITIAL' | 'IP START' | 'IP CONFIG' | 'IP GPRSACT' | 'IP STATUS' | 'PDP DEACT';

interface SimLink {
  id: number;
  sock: net.Socket | null;
  st: 'connecting' | 'connected' | 'closing' | 'closed';
  /** why it is closed: peer / local (CIPCLOSE) / fail */
  why: 'peer' | 'local' | 'fail' | null;
  host: string;
  port: number;
  ip: string;
  rx: Buffer[];
  rxLen: number;
  /** `+CIPRXGET: 1` was sent and the buffer has not been emptied since */
  told: boolean;
  paused: boolean;
}

/** SIM800 / SIM900 delays (the manuals' typical figures, shortened where a test would wait for nothing). */
export const SIM_TIMING: SimTiming = {
  simGarbageMs: 40,
  simRdyMs: 400,
  simCfunMs: 500,
  registerMs: 1000,
  simCallReadyMs: 1500,
  ciicrMs: 500,
  shutMs: 150,
  cgattMs: 100,
  sendOkMs: 100,
  closeMs: 50,
  simConnectTimeoutMs: 75000,
  simRxBufMax: 16384,
};

/**
 * SIM7000 (LTE-M / NB-IoT) keeps the SIM800 TCP/IP command set: the same
 * emulator with LTE-M registration taking seconds, `+CEREG`, 8 links, no
 * power-on garbage, and the SIM7000 hardware design's PWRKEY pulses
 * (on ≥ 1 s, off ≥ 1.2 s). See docs/modems/sim7600.md.
 */
export const SIM7000_TIMING: SimTiming & { pwrkeyMs: number; pwrkeyOffMs: number } = {
  ...SIM_TIMING,
  simRdyMs: 600,
  simCfunMs: 700,
  registerMs: 3000,
  simCallReadyMs: 1200,
  pwrkeyMs: 1000,
  pwrkeyOffMs: 1200,
};

/** SIM900 HD V1.05: "5s > Pulldown > 1s" switches it off; SIM800 (the base default) wants 1.5 s. */
export const SIM900_PINS = { pwrkeyOffMs: 1000 };

/** Power-on garbage SIM800 modules print (reference: `00 49 49 49 49 FF FF FF FF`). */
const POWER_ON_GARBAGE = Uint8Array.from([0x00, 0x49, 0x49, 0x49, 0x49, 0xff, 0xff, 0xff, 0xff]);
/** ATI and AT+CGMR per model */
const IDENT: Record<string, [string, string]> = {
  sim800: ['SIM800 R14.18', 'Revision:1418B04SIM800L24'],
  sim900: ['SIM900 R11.0', 'Revision:1137B09SIM900M64_ST'],
  sim7000: ['SIM7000E R1351', 'Revision:1351B04SIM7000E'],
};
const RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800];
const MAX_SEND = 1460;

/** Max response times from the SIM800 manual, ms (commands without one: 1 s). */
const MAX_TIME: Record<string, number> = {
  E: 1000, '+CPIN': 5000, '+CGATT': 75000, '+CIPSHUT': 65000, '+CIICR': 85000, '+CIFSR': 10000,
  '+CIPSTART': 75000, '+CPOWD': 10000, '+CIPCLOSE': 10000, '+CDNSGIP': 10000,
};

export class SimModem extends ModemBase<SimTiming> {
  protected readonly echoData = true;
  private readonly maxId: number;
  private readonly sp: string;
  /** AT+IPR: 0 = autobaud; kept across power cycles (non-volatile) */
  private ipr: number;

  private cmee = 0;
  private mux = 0;
  private rxget = 0;
  private qsend = 0;
  private head = 0;
  private ssl = 0;
  /** AT+SSLOPT=0,1: ignore invalid certificates */
  private sslIgnoreInvalid = false;
  private cregN = 0;
  private cgregN = 0;
  private ceregN = 0;
  private registered = false;
  private attached = false;
  private cfun = 1;
  private ipState: IpState = 'IP INITIAL';
  private apn = 'CMNET';
  private user = '';
  private pwd = '';
  private ip = '0.0.0.0';
  private multiStarted = false;
  private links: (SimLink | null)[] = [];
  /** Call Ready / SMS Ready held back this boot (real modules send them late: TinyGSM #537) */
  private lateReady = false;
  /** its own stream, so the other seeded choices stay as they were */
  private readonly lateRng: Prng;

  /** SIM900 has no SSL in any firmware */
  protected override readonly sslInFirmware: boolean;

  constructor(opts: ModemOptions) {
    super(opts, opts.kind === 'sim900' ? { ...SIM_TIMING, ...SIM900_PINS } : opts.kind === 'sim7000' ? SIM7000_TIMING : SIM_TIMING);
    this.sslInFirmware = opts.kind !== 'sim900';
    this.maxId = opts.kind === 'sim800' ? 5 : 7;
    this.sp = opts.spaceAfterComma === false ? '' : ' ';
    this.ipr = opts.autobaud ? 0 : (opts.baud ?? 115200);
    this.lateRng = new Prng((opts.seed ?? 1) ^ 0x5eed);
  }

  protected override faultLateReady(): void { this.readyUrcs(); }

  private readyUrcs(): void {
    this.lateReady = false;
    // SIM7000 prints only SMS Ready (TinyGSM's SIM70xx waits for it)
    this.emit(this.kind === 'sim7000' ? L('SMS Ready') : L('Call Ready') + L('SMS Ready'));
  }

  protected maxTimeMs(name: string): number {
    if (name === '+CIPSTART' && this.mux === 0 && this.ipState === 'IP INITIAL') return 160000;
    return MAX_TIME[name] ?? 1000;
  }

  /** `0, ` in multi-IP mode, nothing in single mode */
  private pfx(id: number): string {
    return this.mux === 1 ? `${id},${this.sp}` : '';
  }

  // ---- boot ------------------------------------------------------------

  protected boot(): void {
    this.cmee = 0; this.mux = 0; this.rxget = 0; this.qsend = 0; this.head = 0; this.ssl = 0; this.sslIgnoreInvalid = false;
    this.cregN = 0; this.cgregN = 0; this.ceregN = 0; this.registered = false; this.attached = false; this.cfun = 1;
    this.ipState = 'IP INITIAL'; this.apn = 'CMNET'; this.user = ''; this.pwd = ''; this.ip = '0.0.0.0';
    this.multiStarted = false;
    this.resetLinks();
    this.synced = this.ipr !== 0;
    if (this.ipr !== 0 && this.uart.mdmBaud !== this.ipr) this.uart.setModemBaud(this.ipr);
    if (this.kind === 'sim800') this.after(this.T.simGarbageMs, () => this.emitRaw(POWER_ON_GARBAGE));
    this.after(this.T.simRdyMs, () => {
      this.ready = true;
      this.emit(L('RDY'));
    });
    this.after(this.T.simCfunMs, () => this.emit(L('+CFUN: 1') + L('+CPIN: READY')));
    this.after(this.T.registerMs, () => this.register());
    // sometimes late: just after the first CIPSTART's OK, or 2-6 s after registration
    this.lateReady = this.lateRng.chance(this.opts.lateReady ?? 0.3);
    if (!this.lateReady) this.after(this.T.simCallReadyMs, () => this.readyUrcs());
    else this.after(this.T.registerMs + this.lateRng.int(2000, 6000), () => { if (this.lateReady) this.readyUrcs(); });
  }

  private register(): void {
    if (this.cfun !== 1) return;
    this.registered = true;
    this.attached = true;
    if (this.cregN > 0) this.emit(L('+CREG: 1'));
    if (this.cgregN > 0) this.emit(L('+CGREG: 1'));
    if (this.ceregN > 0) this.emit(L('+CEREG: 1'));
  }

  protected resetLinks(): void {
    this.links = new Array<SimLink | null>(this.maxId + 1).fill(null);
  }

  protected busyByte(): boolean {
    return false; // input waits until the running command has its final result
  }

  // ---- state -----------------------------------------------------------

  private stateText(): string {
    if (this.ipState === 'PDP DEACT') return 'PDP DEACT';
    if (this.mux === 0) {
      const l = this.links[0];
      if (l) {
        switch (l.st) {
          case 'connecting': return 'TCP CONNECTING';
          case 'connected': return 'CONNECT OK';
          case 'closing': return 'TCP CLOSING';
          case 'closed': return l.why === 'local' ? 'IP CLOSE' : 'TCP CLOSED';
        }
      }
    } else if (this.ipState === 'IP STATUS' && this.multiStarted) {
      return 'IP PROCESSING';
    }
    return this.ipState;
  }

  private pdpActive(): boolean {
    return this.ipState === 'IP GPRSACT' || this.ipState === 'IP STATUS';
  }

  private anyLinkOpen(): boolean {
    return this.links.some((l) => l !== null && l.st !== 'closed');
  }

  /** The link id of a command: args[i] in multi-IP mode, 0 in single mode; -1 when invalid. */
  private linkId(args: string[], i: number): number {
    if (this.mux === 0) return 0;
    const id = int(args[i]);
    return id >= 0 && id <= this.maxId ? id : -1;
  }

  private newIp(): string {
    return `10.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
  }

  // ---- commands --------------------------------------------------------

  protected exec(c: Cmd): void {
    const { name, op, args } = c;
    switch (name) {
      case '': return this.ok();
      case 'E': return this.ate(op, args);
      case 'V': return args[0] === '1' || op === '' ? this.ok() : this.error(); // numeric results not emulated
      case 'Z': case '&F': this.echo = true; return this.ok();
      case '&W': return this.ok();
      case 'I': return this.reply(L(IDENT[this.kind]?.[0] ?? 'SIMCOM'), L('OK'));
      case '+CGMR': case '+GMR': return this.reply(L(IDENT[this.kind]?.[1] ?? 'Revision:unknown'), L('OK'));
      case '+GSN': case '+CGSN': return this.reply(L('8640000' + String(this.rng.int(10000000, 99999999))), L('OK'));
      case '+CCID': return this.reply(L('8944500000000000000F'), L('OK'));
      case '+CSQ': return this.reply(L(this.registered ? '+CSQ: 18,0' : '+CSQ: 99,99'), L('OK'));
      case '+COPS':
        if (op === '?') return this.reply(L(this.registered ? '+COPS: 0,0,"ATMQTT SIM"' : '+COPS: 0'), L('OK'));
        return op === '=' ? this.ok() : this.error();
      case '+CMEE':
        if (op === '?') return this.reply(L(`+CMEE: ${this.cmee}`), L('OK'));
        if (op === '=' && int(args[0]) <= 2) { this.cmee = int(args[0]); return this.ok(); }
        return this.error();
      case '+CPIN':
        if (op === '?') return this.reply(L('+CPIN: READY'), L('OK'));
        return this.error();
      case '+CREG': case '+CGREG': return this.creg(name, op, args);
      case '+CEREG': return this.kind === 'sim7000' ? this.creg(name, op, args) : this.error();
      case '+CGATT': return this.cgatt(op, args);
      case '+CFUN': return this.cfunCmd(op, args);
      case '+IPR': return this.iprCmd(op, args);
      case '+CPOWD':
        if (op === '=' && args[0] === '0') return this.shutdown(null);
        if (op === '=' && args[0] === '1') return this.shutdown('NORMAL POWER DOWN');
        return this.error();
      case '+CIPSHUT': return this.cipshut();
      case '+CIPMUX':
        if (op === '?') return this.reply(L(`+CIPMUX: ${this.mux}`), L('OK'));
        if (op === '=' && (args[0] === '0' || args[0] === '1') && this.ipState === 'IP INITIAL' && !this.anyLinkOpen()) {
          this.mux = int(args[0]);
          return this.ok();
        }
        return this.error();
      case '+CIPRXGET': return this.ciprxget(op, args);
      case '+CIPQSEND':
        if (op === '?') return this.reply(L(`+CIPQSEND: ${this.qsend}`), L('OK'));
        if (op === '=' && (args[0] === '0' || args[0] === '1')) { this.qsend = int(args[0]); return this.ok(); }
        return this.error();
      case '+CIPHEAD':
        if (op === '?') return this.reply(L(`+CIPHEAD: ${this.head}`), L('OK'));
        if (op === '=' && (args[0] === '0' || args[0] === '1')) { this.head = int(args[0]); return this.ok(); }
        return this.error();
      case '+CIPMODE':
        if (op === '?') return this.reply(L('+CIPMODE: 0'), L('OK'));
        return op === '=' && args[0] === '0' ? this.ok() : this.error(); // transparent mode not emulated
      case '+CIPSSL': return this.cipssl(op, args);
      case '+SSLOPT': return this.sslopt(op, args);
      case '+CSTT': return this.cstt(op, args);
      case '+CIICR': return this.ciicr(op);
      case '+CIFSR':
        if (op !== '' || !this.pdpActive()) return this.error();
        if (this.ipState === 'IP GPRSACT') this.ipState = 'IP STATUS';
        return this.emit(L(this.ip)); // a bare IP line and no OK
      case '+CIPSTATUS': return this.cipstatus(op, args);
      case '+CDNSGIP': return this.cdnsgip(op, args);
      case '+CIPSTART': return this.cipstart(op, args);
      case '+CIPSEND': return this.cipsend(op, args);
      case '+CIPCLOSE': return this.cipclose(op, args);
      default: return this.error();
    }
  }

  private creg(name: string, op: Cmd['op'], args: string[]): void {
    if (op === '?') {
      const n = name === '+CREG' ? this.cregN : name === '+CEREG' ? this.ceregN : this.cgregN;
      return this.reply(L(`${name}: ${n},${this.registered ? 1 : 2}`), L('OK'));
    }
    if (op === '=' && int(args[0]) <= 2) {
      if (name === '+CREG') this.cregN = int(args[0]);
      else if (name === '+CEREG') this.ceregN = int(args[0]);
      else this.cgregN = int(args[0]);
      return this.ok();
    }
    if (op === '=?') return this.reply(L(`${name}: (0-2)`), L('OK'));
    return this.error();
  }

  private cgatt(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CGATT: ${this.attached ? 1 : 0}`), L('OK'));
    if (op !== '=') return this.error();
    if (args[0] === '0') {
      this.attached = false;
      if (this.ipState !== 'IP INITIAL' && this.ipState !== 'IP START') this.pdpDeact();
      return this.ok();
    }
    if (args[0] !== '1') return this.error();
    const wait = Math.max(0, this.poweredAt + this.T.registerMs - this.now());
    if (this.cfun !== 1) return this.error();
    this.busyFor(wait + this.T.cgattMs, () => {
      if (this.registered) { this.attached = true; this.ok(); } else this.error();
    });
  }

  private cfunCmd(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CFUN: ${this.cfun}`), L('OK'));
    if (op !== '=') return this.error();
    const fun = int(args[0]);
    if (args[1] === '1' && fun === 1) {
      this.ok();
      this.after(this.txDrainMs() + 50, () => this.powerOn());
      return;
    }
    if (fun === 0 || fun === 4) {
      this.cfun = fun;
      this.registered = false;
      this.attached = false;
      if (this.ipState !== 'IP INITIAL' && this.ipState !== 'IP START') this.pdpDeact();
      return this.ok();
    }
    if (fun === 1) {
      const was = this.cfun;
      this.cfun = 1;
      if (was !== 1) this.after(this.T.registerMs, () => this.register());
      return this.ok();
    }
    return this.error();
  }

  private iprCmd(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+IPR: ${this.ipr}`), L('OK'));
    if (op !== '=') return this.error();
    const rate = int(args[0]);
    const max = this.kind === 'sim900' ? 115200 : 460800;
    if (rate !== 0 && (!RATES.includes(rate) || rate > max)) return this.error();
    this.ipr = rate;
    this.ok(); // still at the old rate
    if (rate !== 0) this.switchBaudAfterReply(rate);
  }

  private cipshut(): void {
    for (const l of this.links) if (l) this.dropSocket(l.sock);
    this.resetLinks();
    this.busyFor(this.T.shutMs, () => {
      this.ipState = 'IP INITIAL';
      this.multiStarted = false;
      this.ip = '0.0.0.0';
      this.emit(L('SHUT OK'));
    });
  }

  private cipssl(op: Cmd['op'], args: string[]): void {
    if (!this.sslCapable) return this.error();
    if (op === '=?') return this.reply(L('+CIPSSL: (0,1)'), L('OK'));
    if (op === '?') return this.reply(L(`+CIPSSL: ${this.ssl}`), L('OK'));
    if (op === '=' && (args[0] === '0' || args[0] === '1')) { this.ssl = int(args[0]); return this.ok(); }
    return this.error();
  }

  /** AT+SSLOPT=<opt>,<enable>: opt 0 ignores invalid certificates; opt 1 (client authentication) is accepted and not emulated. */
  private sslopt(op: Cmd['op'], args: string[]): void {
    if (!this.sslCapable) return this.error();
    if (op === '=?') return this.reply(L('+SSLOPT: (0,1),(0,1)'), L('OK'));
    const opt = int(args[0]);
    const on = int(args[1]);
    if (op !== '=' || !(opt === 0 || opt === 1) || !(on === 0 || on === 1)) return this.error();
    if (opt === 0) {
      this.sslIgnoreInvalid = on === 1;
      if (on === 1) this.notice('warning: AT+SSLOPT=0,1: server certificates will NOT be verified (insecure)');
    }
    this.ok();
  }

  private cstt(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CSTT: "${this.apn}","${this.user}","${this.pwd}"`), L('OK'));
    if (op === '=?') return this.reply(L('+CSTT: "APN","USER","PWD"'), L('OK'));
    if (this.ipState !== 'IP INITIAL') return this.error();
    if (op === '=') {
      if (args.length < 1 || args.length > 3 || args.some((a) => a.length > 50)) return this.error();
      this.apn = args[0]!;
      this.user = args[1] ?? '';
      this.pwd = args[2] ?? '';
    } else if (op !== '') {
      return this.error();
    }
    this.ipState = 'IP START';
    this.ok();
  }

  private ciicr(op: Cmd['op']): void {
    if (op !== '' || this.ipState !== 'IP START') return this.error();
    this.ipState = 'IP CONFIG';
    this.busyFor(this.T.ciicrMs, () => {
      if (this.ipState !== 'IP CONFIG') return this.error();
      const apnOk = !this.opts.requireApn || this.opts.apn === undefined || this.opts.apn === this.apn;
      if (!this.attached || !apnOk) {
        this.ipState = 'PDP DEACT';
        return this.error();
      }
      this.ip = this.newIp();
      this.ipState = 'IP GPRSACT';
      this.ok();
    });
  }

  private cipstatus(op: Cmd['op'], args: string[]): void {
    if (op === '=' && this.mux === 1) {
      const id = this.linkId(args, 0);
      if (id < 0) return this.error();
      return this.reply(L(`+CIPSTATUS: ${this.cLine(id).slice(3)}`), L('OK'));
    }
    if (op !== '') return this.error();
    const segs = [L('OK'), L(`STATE: ${this.stateText()}`)];
    if (this.mux === 1) {
      let c = '\r\n';
      for (let i = 0; i <= this.maxId; i++) c += this.cLine(i) + '\r\n';
      segs.push(c);
    }
    this.reply(...segs);
  }

  private cLine(i: number): string {
    const l = this.links[i];
    if (!l) return `C: ${i},,"","","","INITIAL"`;
    const st = { connecting: 'CONNECTING', connected: 'CONNECTED', closing: 'CLOSING', closed: 'CLOSED' }[l.st];
    return `C: ${i},0,"TCP","${l.ip}","${l.port}","${st}"`;
  }

  private cdnsgip(op: Cmd['op'], args: string[]): void {
    if (op !== '=' || !args[0]) return this.error();
    if (!this.pdpActive()) return this.error();
    const host = args[0];
    this.ok();
    const epoch = this.epoch;
    dns.lookup(host, { family: 4 }, (err, address) => {
      if (epoch !== this.epoch || this.closed || this.hung) return;
      this.emit(L(err ? '+CDNSGIP: 0,8' : `+CDNSGIP: 1,"${host}","${address}"`));
    });
  }

  // ---- connections -----------------------------------------------------

  private cipstart(op: Cmd['op'], args: string[]): void {
    if (op !== '=') return this.error();
    const a = this.mux === 1 ? args.slice(1) : args;
    const id = this.linkId(args, 0);
    const [mode, host, portText] = a;
    const port = int(portText);
    if (id < 0 || a.length < 3 || !host || !(port >= 1 && port <= 65535)) return this.error();
    if ((mode ?? '').toUpperCase() !== 'TCP') return this.error(); // UDP not emulated
    if (this.ipState === 'PDP DEACT') return this.error();
    const old = this.links[id];
    if (old && old.st !== 'closed') return this.reply(L('ERROR'), L(`${this.pfx(id)}ALREADY CONNECT`));
    const state = this.stateText();
    if (this.mux === 1 ? this.ipState !== 'IP STATUS' : !['IP INITIAL', 'IP STATUS', 'TCP CLOSED', 'IP CLOSE'].includes(state)) {
      return this.error();
    }
    const link: SimLink = {
      id, sock: null, st: 'connecting', why: null, host, port, ip: net.isIP(host) ? host : host,
      rx: [], rxLen: 0, told: false, paused: false,
    };
    this.links[id] = link;
    if (this.mux === 1) this.multiStarted = true;
    this.ok();
    if (this.lateReady) this.after(15, () => { if (this.lateReady) this.readyUrcs(); });
    if (this.mux === 0 && this.ipState === 'IP INITIAL') {
      // single mode from IP INITIAL brings the PDP context up by itself
      this.after(this.T.ciicrMs, () => {
        if (this.links[id] !== link) return;
        if (!this.attached) {
          this.links[id] = null;
          this.ipState = 'PDP DEACT';
          this.emit(L('STATE: PDP DEACT') + L('CONNECT FAIL'));
          return;
        }
        this.ip = this.newIp();
        this.ipState = 'IP STATUS';
        this.connect(link);
      });
      return;
    }
    this.connect(link);
  }

  private connect(link: SimLink): void {
    const id = link.id;
    const secure = this.ssl === 1 ? { verify: !this.sslIgnoreInvalid } : undefined;
    if (secure && !secure.verify) this.notice(`link ${id}: TLS to ${link.host}:${link.port} without certificate verification (AT+SSLOPT=0,1)`);
    link.sock = this.openTcp(link.host, link.port, this.T.simConnectTimeoutMs, {
      connect: () => {
        if (link.sock?.remoteAddress) link.ip = link.sock.remoteAddress.replace(/^::ffff:/, '');
        this.after(this.T.connectMs, () => {
          if (this.links[id] !== link || link.st !== 'connecting') return;
          link.st = 'connected';
          this.counters.connects++;
          this.emit(L(`${this.pfx(id)}CONNECT OK`));
        });
      },
      data: (d) => this.onData(link, d),
      close: (err, handshake) => {
        if (this.links[id] !== link) return;
        if (link.st === 'connecting' && handshake) {
          // the SSL application note: a failed handshake ends CIPSTART with CLOSE OK
          this.notice(`link ${id}: TLS handshake with ${link.host}:${link.port} failed: ${tlsReason(err)}`);
          link.st = 'closed';
          link.why = 'fail';
          if (this.mux === 0) this.links[0] = null;
          this.emit(L(`${this.pfx(id)}CLOSE OK`));
        } else if (link.st === 'connecting') {
          link.st = 'closed';
          link.why = 'fail';
          if (this.mux === 1) {
            this.emit(L(`${id},${this.sp}CONNECT FAIL`));
          } else {
            this.links[0] = null;
            this.emit(L(`STATE: ${this.stateText()}`) + L('CONNECT FAIL'));
          }
        } else if (link.st === 'connected') {
          this.peerClosed(link);
        }
      },
    }, secure);
  }

  private onData(link: SimLink, d: Buffer): void {
    if (this.links[link.id] !== link || link.st !== 'connected') return;
    if (this.rxget === 1) {
      link.rx.push(d);
      link.rxLen += d.length;
      if (!link.told) {
        link.told = true;
        this.emit(L(this.mux === 1 ? `+CIPRXGET: 1,${link.id}` : '+CIPRXGET: 1'));
      }
      if (link.rxLen >= this.T.simRxBufMax && link.sock && !link.paused) {
        link.paused = true;
        link.sock.pause();
      }
      return;
    }
    // push mode
    for (let o = 0; o < d.length; o += MAX_SEND) {
      const part = d.subarray(o, Math.min(d.length, o + MAX_SEND));
      let headText = '';
      if (this.mux === 1) headText = `\r\n+RECEIVE,${link.id},${part.length}:\r\n`;
      else if (this.head === 1) headText = `\r\n+IPD,${part.length}:`;
      if (this.brownOut(headText, part)) return;
      this.emit(Buffer.concat([Buffer.from(headText, 'latin1'), part]));
    }
  }

  private peerClosed(link: SimLink): void {
    this.dropSocket(link.sock);
    link.sock = null;
    link.st = 'closed';
    link.why = 'peer';
    // data already buffered stays readable with CIPRXGET=2 until CIPCLOSE / CIPSHUT / a new CIPSTART
    this.emit(L(`${this.pfx(link.id)}CLOSED`));
  }

  private cipclose(op: Cmd['op'], args: string[]): void {
    let id = 0;
    if (this.mux === 1) {
      if (op !== '=') return this.error();
      id = this.linkId(args, 0);
    } else if (op === '=' && !['0', '1'].includes(args[0] ?? '')) {
      return this.error();
    }
    const link = id >= 0 ? this.links[id] : null;
    if (!link || (link.st !== 'connected' && link.st !== 'connecting')) return this.error();
    const quick = this.mux === 1 ? args[1] === '1' : args[0] === '1';
    link.st = 'closing';
    link.rx = [];
    link.rxLen = 0;
    this.dropSocket(link.sock, !quick);
    link.sock = null;
    this.busyFor(quick ? 0 : this.T.closeMs, () => {
      link.st = 'closed';
      link.why = 'local';
      this.emit(L(`${this.pfx(id)}CLOSE OK`));
    });
  }

  // ---- send --------------------------------------------------------------

  private cipsend(op: Cmd['op'], args: string[]): void {
    if (op === '?') {
      if (this.mux === 0) return this.reply(L(`+CIPSEND: ${MAX_SEND}`), L('OK'));
      let s = '\r\n';
      for (let i = 0; i <= this.maxId; i++) s += `+CIPSEND: ${i},${this.links[i]?.st === 'connected' ? MAX_SEND : 0}\r\n`;
      return this.reply(s, L('OK'));
    }
    if (op === '=?') return this.reply(L(this.mux === 1 ? `+CIPSEND: (0-${this.maxId}),(1-${MAX_SEND})` : `+CIPSEND: (1-${MAX_SEND})`), L('OK'));
    let id = 0;
    let lenText: string | undefined;
    if (this.mux === 1) {
      if (op !== '=') return this.error();
      id = this.linkId(args, 0);
      lenText = args[1];
    } else {
      if (op === '=') lenText = args[0];
    }
    const link = id >= 0 ? this.links[id] : null;
    if (!link || link.st !== 'connected') return this.error();
    let len: number | null = null;
    if (lenText !== undefined) {
      len = int(lenText);
      if (!(len >= 1 && len <= MAX_SEND)) return this.error();
    }
    this.emit('\r\n> ');
    if (this.storming()) this.stormOne(); // between '>' and the data
    this.expectData(len, (data, cancelled) => this.sendData(link, data, cancelled));
  }

  private sendData(link: SimLink, data: Uint8Array, cancelled: boolean): void {
    if (cancelled) return;
    const id = link.id;
    if (data.length > MAX_SEND) return this.error();
    if (this.storming()) this.stormOne(); // between the data and SEND OK / DATA ACCEPT
    if (this.links[id] !== link || link.st !== 'connected' || !link.sock) {
      return this.emit(L(`${this.pfx(id)}SEND FAIL`));
    }
    if (this.sendFailNext) {
      this.sendFailNext = false;
      this.emit(L(`${this.pfx(id)}SEND FAIL`));
      this.dropSocket(link.sock);
      link.sock = null;
      link.st = 'closed';
      link.why = 'peer';
      this.emit(L(`${this.pfx(id)}CLOSED`));
      return;
    }
    const sock = link.sock;
    if (this.qsend === 1) {
      this.netWrite(sock, data);
      this.emit(L(this.mux === 1 ? `DATA ACCEPT:${id},${data.length}` : `DATA ACCEPT:${data.length}`));
      return;
    }
    this.netWrite(sock, data);
    // SEND OK once the peer "acknowledged"; the modem takes no command meanwhile
    this.busyFor(this.T.sendOkMs, () => {
      if (this.links[id] === link && link.st === 'connected') this.emit(L(`${this.pfx(id)}SEND OK`));
      else this.emit(L(`${this.pfx(id)}SEND FAIL`));
    }, 's');
  }

  // ---- receive (manual mode) --------------------------------------------

  private ciprxget(op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`+CIPRXGET: ${this.rxget}`), L('OK'));
    if (op === '=?') return this.reply(L(this.mux === 1 ? `+CIPRXGET: (0-4),(0-${this.maxId}),(1-1460)` : '+CIPRXGET: (0-4),(1-1460)'), L('OK'));
    if (op !== '=') return this.error();
    const mode = int(args[0]);
    if (mode === 0 || mode === 1) {
      if (this.anyLinkOpen()) return this.error(); // set before connecting
      this.rxget = mode;
      return this.ok();
    }
    if (this.rxget !== 1 || !(mode >= 2 && mode <= 4)) return this.error();
    const id = this.linkId(args, 1);
    const link = id >= 0 ? this.links[id] : null;
    if (!link || (link.st !== 'connected' && link.rxLen === 0)) return this.error();
    const tag = this.mux === 1 ? `${id},` : '';
    if (mode === 4) return this.reply(L(`+CIPRXGET: 4,${tag}${link.rxLen}`), L('OK'));
    const want = int(args[this.mux === 1 ? 2 : 1]);
    if (!(want >= 1)) return this.error();
    const max = mode === 2 ? 1460 : 730;
    const data = this.take(link, Math.min(want, max));
    const body = mode === 2 ? data : Buffer.from(data.toString('hex').toUpperCase(), 'latin1');
    const headText = `\r\n+CIPRXGET: ${mode},${tag}${data.length},${link.rxLen}\r\n`;
    if (this.brownOut(headText, body)) return;
    this.reply(Buffer.concat([Buffer.from(headText, 'latin1'), body]), L('OK'));
  }

  private take(link: SimLink, n: number): Buffer {
    const data = takeBytes(link.rx, n);
    link.rxLen -= data.length;
    if (link.rxLen === 0) link.told = false;
    if (link.paused && link.rxLen < this.T.simRxBufMax / 2 && link.sock) {
      link.paused = false;
      link.sock.resume();
    }
    return data;
  }

  // ---- faults ------------------------------------------------------------

  private pdpDeact(): void {
    for (const l of this.links) if (l) this.dropSocket(l.sock);
    this.resetLinks();
    this.ipState = 'PDP DEACT';
    this.emit(L('+PDP: DEACT'));
  }

  protected faultPdpDeact(): void {
    this.pdpDeact();
  }

  protected faultDrop(): void {
    for (const l of this.links) if (l && l.st === 'connected') this.peerClosed(l);
  }

  protected stormUrc(): string | null {
    const options = ['RING', 'DST: 0', '*PSUTTZ: 2025,11,25,15,0,0,"+0",0', '+CTZV: +0,0', '+CMTI: "SM",1'];
    if (this.rxget === 1) {
      const open = this.links.filter((l): l is SimLink => l !== null && l.st === 'connected');
      if (open.length > 0) {
        const l = this.rng.pick(open);
        const u = this.mux === 1 ? `+CIPRXGET: 1,${l.id}` : '+CIPRXGET: 1';
        options.push(u, u);
      }
    }
    return this.rng.pick(options);
  }
}
