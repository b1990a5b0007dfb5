// ESP8266 AT firmware (NONOS 1.7 / esp-at style): Wi-Fi station, up to five
// TCP links, active (+IPD pushed) and passive (CIPRECVDATA) receive, `busy
// p...` while a command runs. SSL links (`CIPSTART … "SSL"`): one at a time,
// as on the ESP8266, verified against the module's CA unless CIPSSLCCONF
// sets auth mode 0 for the link.
import net from 'node:net';
import { L, ModemBase, int, takeBytes, type Cmd } from './base.ts';
import { tlsReason } from './tls.ts';
import type { EspTiming, ModemOptions } from './types.ts';

interface EspLink {
  id: number;
  sock: net.Socket | null;
  st: 'connecting' | 'connected' | 'closed';
  type: 'TCP' | 'SSL';
  host: string;
  port: number;
  ip: string;
  localPort: number;
  /** data that came before `CONNECT` was printed */
  early: Buffer[];
  /** passive mode buffer */
  rx: Buffer[];
  rxLen: number;
  /** `+IPD,id,len` reported and not read since */
  told: boolean;
  paused: boolean;
  /** passive mode: the peer closed but data is unread; CLOSED waits */
  closeHeld: boolean;
  /** active mode: waiting to be pushed */
  push: Buffer[];
  pushQueued: boolean;
}

/** ESP-AT delays. */
export const ESP_TIMING: EspTiming = {
  espGarbageMs: 30,
  espReadyMs: 400,
  cwjapMs: 1500,
  cwjapFailMs: 2000,
  espReconnectMs: 3000,
  espRstMs: 100,
  espSendOkMs: 15,
  espConnectTimeoutMs: 10000,
  espRxBufMax: 5744,
};

const MAX_SEND = 2048;
const MAX_BURST = 2920;
const MAX_RECV = 2048;
const LINKS = 5;
/** AT+CIPSSLSIZE range on the ESP8266 NONOS firmware (bytes of SSL buffer). */
const SSL_SIZE_MIN = 2048;
const SSL_SIZE_MAX = 4096;
/** CIPSSLCCONF auth modes: 0 none, 1 client certificate, 2 verify the server (CA), 3 both. */
const AUTH_NONE = 0;
const AUTH_SERVER = 2;

const MAX_TIME: Record<string, number> = {
  '+CWJAP': 15000, '+CWJAP_CUR': 15000, '+CWJAP_DEF': 15000, '+CIPSTART': 10000, '+RST': 3000, '+CWLAP': 5000,
};

export class EspModem extends ModemBase<EspTiming> {
  protected override readonly backslashArgs = true;
  protected readonly echoData = false;
  private readonly ssid: string;
  private readonly pass: string;
  /** stored in flash: survive restarts. Factory default mode 2 (SoftAP), like ESP-01 modules ship. */
  private cwmode = 2;
  private uartDef: number;

  private mux = 0;
  private recvMode = 0;
  private dinfo = 0;
  private wifi: 'off' | 'connecting' | 'connected' | 'gotip' = 'off';
  private userQuit = false;
  private ip = '0.0.0.0';
  private hadLinks = false;
  private links: (EspLink | null)[] = [];
  private busyLine: number[] = [];
  private sslSize = SSL_SIZE_MAX;
  /**
   * CIPSSLCCONF auth mode per link. esp-at's own default is 0; the emulator
   * verifies unless told otherwise, so that insecure is always explicit.
   */
  private sslAuth: number[] = [];

  constructor(opts: ModemOptions) {
    super(opts, ESP_TIMING);
    this.ssid = opts.ssid ?? 'atmqtt-wifi';
    this.pass = opts.wifiPassword ?? 'atmqtt-pass';
    this.uartDef = opts.baud ?? 115200;
  }

  protected maxTimeMs(name: string): number {
    return MAX_TIME[name] ?? 1000;
  }

  private pfx(id: number): string {
    return this.mux === 1 ? `${id},` : '';
  }

  protected boot(): void {
    this.mux = 0; this.recvMode = 0; this.dinfo = 0; this.wifi = 'off'; this.userQuit = false;
    this.ip = '0.0.0.0'; this.hadLinks = false; this.busyLine = [];
    this.sslSize = SSL_SIZE_MAX; this.sslAuth = new Array<number>(LINKS).fill(AUTH_SERVER);
    this.resetLinks();
    if (this.uart.mdmBaud !== this.uartDef) this.uart.setModemBaud(this.uartDef);
    // the ROM boot log is printed at 74880 baud: noise at any usual rate
    this.after(this.T.espGarbageMs, () => this.emitRaw(this.rng.bytes(this.rng.int(40, 90))));
    this.after(this.T.espReadyMs, () => {
      this.ready = true;
      this.emit(L('ready'));
    });
  }

  protected resetLinks(): void {
    this.links = new Array<EspLink | null>(LINKS).fill(null);
  }

  protected busyByte(b: number): boolean {
    this.busyLine.push(b);
    const n = this.busyLine.length;
    if (b === 0x0a && n >= 2 && this.busyLine[n - 2] === 0x0d) {
      this.busyLine = [];
      this.emit(L(this.busy === 's' ? 'busy s...' : 'busy p...'));
    } else if (n > 600) {
      this.busyLine = [];
    }
    return true; // discarded
  }

  private linkId(args: string[]): number {
    if (this.mux === 0) return 0;
    const id = int(args[0]);
    return id >= 0 && id < LINKS ? id : -1;
  }

  // ---- commands --------------------------------------------------------

  protected exec(c: Cmd): void {
    const { name, op, args } = c;
    switch (name) {
      case '': return this.ok();
      case 'E': return this.ate(op, args);
      case '+RST':
        if (op !== '') return this.error();
        this.ok();
        this.after(this.txDrainMs() + this.T.espRstMs, () => this.powerOn());
        return;
      case '+GMR':
        return this.reply('\r\nAT version:1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\ncompile time:May 27 2020 10:12:17\r\nBin version(Wroom 02):1.7.4\r\n', L('OK'));
      case '+CWMODE': case '+CWMODE_CUR': case '+CWMODE_DEF':
        if (op === '?') return this.reply(L(`${name}:${this.cwmode}`), L('OK'));
        if (op === '=' && int(args[0]) >= 1 && int(args[0]) <= 3) { this.cwmode = int(args[0]); return this.ok(); }
        return this.error();
      case '+CWJAP': case '+CWJAP_CUR': case '+CWJAP_DEF': return this.cwjap(name, op, args);
      case '+CWQAP':
        this.userQuit = true;
        this.wifiLost(true);
        this.wifi = 'off';
        return this.ok();
      case '+CWLAP':
        return this.busyFor(800, () => this.reply(L(`+CWLAP:(3,"${this.ssid}",-55,"1a:fe:34:00:00:01",6,0,0)`), L('OK')));
      case '+CWAUTOCONN': case '+CWDHCP': case '+CWDHCP_CUR': case '+CWDHCP_DEF': case '+CIPSTO': case '+SYSSTORE':
        return op === '=' ? this.ok() : this.error();
      case '+CIFSR':
        if (op !== '') return this.error();
        return this.reply(`\r\n+CIFSR:STAIP,"${this.ip}"\r\n+CIFSR:STAMAC,"1a:fe:34:aa:bb:cc"\r\n`, L('OK'));
      case '+CIPSTA': case '+CIPSTA_CUR':
        if (op !== '?') return this.error();
        return this.reply(`\r\n${name}:ip:"${this.ip}"\r\n${name}:gateway:"192.168.4.1"\r\n${name}:netmask:"255.255.255.0"\r\n`, L('OK'));
      case '+CIPMUX':
        if (op === '?') return this.reply(L(`+CIPMUX:${this.mux}`), L('OK'));
        if (op !== '=' || !['0', '1'].includes(args[0] ?? '')) return this.error();
        if (this.links.some((l) => l !== null)) return this.reply(L('link is builded'), L('ERROR'));
        this.mux = int(args[0]);
        return this.ok();
      case '+CIPRECVMODE':
        if (op === '?') return this.reply(L(`+CIPRECVMODE:${this.recvMode}`), L('OK'));
        if (this.opts.noPassive) return this.error(); // a firmware without passive receive
        if (op === '=' && ['0', '1'].includes(args[0] ?? '')) { this.recvMode = int(args[0]); return this.ok(); }
        return this.error();
      case '+CIPDINFO':
        if (op === '=' && ['0', '1'].includes(args[0] ?? '')) { this.dinfo = int(args[0]); return this.ok(); }
        return this.error();
      case '+CIPMODE':
        if (op === '?') return this.reply(L('+CIPMODE:0'), L('OK'));
        return op === '=' && args[0] === '0' ? this.ok() : this.error(); // passthrough not emulated
      case '+CIPSSLSIZE': return this.cipsslsize(op, args);
      case '+CIPSSLCCONF': return this.cipsslcconf(op, args);
      case '+UART_CUR': case '+UART_DEF': case '+UART': return this.uartCmd(name, op, args);
      case '+CIPSTATUS': return this.cipstatus(op);
      case '+CIPSTART': return this.cipstart(op, args);
      case '+CIPSEND': return this.cipsend(op, args);
      case '+CIPCLOSE': return this.cipclose(op, args);
      case '+CIPRECVDATA': return this.ciprecvdata(op, args);
      case '+CIPRECVLEN':
        if (op !== '?') return this.error();
        return this.reply(L(`+CIPRECVLEN:${this.links.map((l) => (l ? String(l.rxLen) : '')).join(',')}`), L('OK'));
      default: return this.error();
    }
  }

  private sslOpen(): EspLink | undefined {
    return this.links.find((l): l is EspLink => l !== null && l.type === 'SSL' && l.st !== 'closed');
  }

  /** AT+CIPSSLSIZE=<2048-4096>: the SSL buffer; not while an SSL link is open. */
  private cipsslsize(op: Cmd['op'], args: string[]): void {
    if (!this.sslCapable) return this.error();
    if (op === '?') return this.reply(L(`+CIPSSLSIZE:${this.sslSize}`), L('OK'));
    const n = int(args[0]);
    if (op !== '=' || !(n >= SSL_SIZE_MIN && n <= SSL_SIZE_MAX) || this.sslOpen()) return this.error();
    this.sslSize = n;
    this.ok();
  }

  /**
   * AT+CIPSSLCCONF=<link>,<auth>[,<pki>,<ca>] (multi links) or =<auth>:
   * 0 (no verification, warned) and 2 (verify the server against the CA)
   * are emulated; 1 and 3 need a client certificate, which the emulated
   * PKI partition does not hold: ERROR.
   */
  private cipsslcconf(op: Cmd['op'], args: string[]): void {
    if (!this.sslCapable) return this.error();
    if (op === '?') {
      const ids = this.mux === 1 ? [0, 1, 2, 3, 4] : [0];
      return this.reply(ids.map((i) => L(`+CIPSSLCCONF:${this.mux === 1 ? `${i},` : ''}${this.sslAuth[i]},0,0`)).join(''), L('OK'));
    }
    if (op !== '=') return this.error();
    const id = this.linkId(args);
    const auth = int(this.mux === 1 ? args[1] : args[0]);
    if (id < 0 || !(auth === AUTH_NONE || auth === AUTH_SERVER)) return this.error();
    this.sslAuth[id] = auth;
    if (auth === AUTH_NONE) this.notice(`warning: AT+CIPSSLCCONF auth mode 0 on link ${id}: server certificates will NOT be verified (insecure)`);
    this.ok();
  }

  private uartCmd(name: string, op: Cmd['op'], args: string[]): void {
    if (op === '?') return this.reply(L(`${name}:${this.uart.mdmBaud},8,1,0,0`), L('OK'));
    const baud = int(args[0]);
    if (op !== '=' || !(baud >= 110 && baud <= 4608000) || args[1] !== '8' || args[2] !== '1') return this.error();
    if (name !== '+UART_CUR') this.uartDef = baud;
    this.ok();
    this.switchBaudAfterReply(baud);
  }

  private cwjap(name: string, op: Cmd['op'], args: string[]): void {
    if (op === '?') {
      if (this.wifi === 'gotip') return this.reply(L(`${name}:"${this.ssid}","1a:fe:34:00:00:01",6,-55`), L('OK'));
      return this.reply(L('No AP'), L('OK'));
    }
    if (op !== '=' || args.length < 2) return this.error();
    if (this.cwmode === 2) return this.error(); // SoftAP only: no station
    const [ssid, pwd] = args as [string, string];
    if (this.wifi !== 'off') this.wifiLost(true);
    this.wifi = 'connecting';
    this.userQuit = false;
    if (ssid === this.ssid && pwd === this.pass) {
      this.after(this.T.cwjapMs * 0.6, () => {
        if (this.wifi !== 'connecting') return;
        this.wifi = 'connected';
        this.emit(L('WIFI CONNECTED'));
      });
      this.busyFor(this.T.cwjapMs, () => {
        this.gotIp();
        this.ok();
      });
      return;
    }
    const code = ssid === this.ssid ? 2 : 3;
    this.busyFor(this.T.cwjapFailMs, () => {
      this.wifi = 'off';
      this.reply(L(`+CWJAP:${code}`), L('FAIL'));
    });
  }

  private gotIp(): void {
    this.wifi = 'gotip';
    if (this.ip === '0.0.0.0') this.ip = `192.168.4.${this.rng.int(2, 250)}`;
    this.emit(L('WIFI GOT IP'));
  }

  /** Wi-Fi is gone: every link is lost. */
  private wifiLost(announce: boolean): void {
    const was = this.wifi;
    this.wifi = 'off';
    if (announce && (was === 'connected' || was === 'gotip')) this.emit(L('WIFI DISCONNECT'));
    for (const l of this.links) {
      if (!l || l.closeHeld) continue;
      if (l.st === 'connecting') {
        this.dropSocket(l.sock);
        this.links[l.id] = null;
        continue;
      }
      this.peerClosed(l);
    }
  }

  private cipstatus(op: Cmd['op']): void {
    if (op !== '') return this.error();
    const open = this.links.filter((l): l is EspLink => l !== null && l.st === 'connected');
    const stat = this.wifi !== 'gotip' ? 5 : open.length > 0 ? 3 : this.hadLinks ? 4 : 2;
    let s = `\r\nSTATUS:${stat}\r\n`;
    for (const l of open) s += `+CIPSTATUS:${l.id},"${l.type}","${l.ip}",${l.port},${l.localPort},0\r\n`;
    this.reply(s, L('OK'));
  }

  // ---- connections -----------------------------------------------------

  private cipstart(op: Cmd['op'], args: string[]): void {
    if (op !== '=') return this.error();
    const id = this.linkId(args);
    const a = this.mux === 1 ? args.slice(1) : args;
    const [type, host, portText] = a;
    const port = int(portText);
    if (id < 0 || a.length < 3 || !host || !(port >= 1 && port <= 65535)) return this.error();
    const kind = (type ?? '').toUpperCase();
    if (kind !== 'TCP' && kind !== 'SSL') return this.error(); // UDP not emulated
    if (kind === 'SSL' && !this.sslCapable) return this.error();
    if (this.wifi !== 'gotip') return this.error();
    const old = this.links[id];
    if (old) return this.reply(L('ALREADY CONNECTED'), L('ERROR'));
    if (kind === 'SSL' && this.sslOpen()) return this.error(); // the ESP8266 has RAM for one SSL link
    const link: EspLink = {
      id, sock: null, st: 'connecting', type: kind, host, port, ip: host, localPort: 0, early: [],
      rx: [], rxLen: 0, told: false, paused: false, closeHeld: false, push: [], pushQueued: false,
    };
    this.links[id] = link;
    this.busy = 'p';
    const secure = kind === 'SSL' ? { verify: this.sslAuth[id] !== AUTH_NONE } : undefined;
    if (secure && !secure.verify) this.notice(`link ${id}: TLS to ${host}:${port} without certificate verification (CIPSSLCCONF auth mode 0)`);
    link.sock = this.openTcp(host, port, this.T.espConnectTimeoutMs, {
      connect: () => {
        const s = link.sock;
        if (s?.remoteAddress) link.ip = s.remoteAddress.replace(/^::ffff:/, '');
        link.localPort = s?.localPort ?? 0;
        this.after(this.T.connectMs, () => {
          if (this.links[id] !== link || link.st !== 'connecting') return;
          link.st = 'connected';
          this.hadLinks = true;
          this.counters.connects++;
          this.busy = false;
          this.reply(L(`${this.pfx(id)}CONNECT`), L('OK'));
          const early = link.early;
          link.early = [];
          for (const d of early) this.onData(link, d);
          this.processInput();
        });
      },
      data: (d) => this.onData(link, d),
      close: (err, handshake) => {
        if (this.links[id] !== link) return;
        if (link.st === 'connecting') {
          this.links[id] = null;
          this.busy = false;
          if (handshake) {
            // TCP was up, the handshake failed: the link closes, CIPSTART fails
            this.notice(`link ${id}: TLS handshake with ${host}:${port} failed: ${tlsReason(err)}`);
            this.reply(L(`${this.pfx(id)}CLOSED`), L('ERROR'));
          } else if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') this.reply(L('DNS Fail'), L('ERROR'));
          else this.reply(L('ERROR'), L(`${this.pfx(id)}CLOSED`));
          this.processInput();
        } else if (link.st === 'connected') {
          this.peerClosed(link);
        }
      },
    }, secure);
  }

  private onData(link: EspLink, d: Buffer): void {
    if (this.links[link.id] !== link) return;
    if (link.st === 'connecting') { link.early.push(d); return; }
    if (link.st !== 'connected') return;
    if (this.recvMode === 1) {
      link.rx.push(d);
      link.rxLen += d.length;
      if (!link.told) {
        link.told = true;
        this.emit(L(this.mux === 1 ? `+IPD,${link.id},${link.rxLen}` : `+IPD,${link.rxLen}`));
      }
      if (link.rxLen >= this.T.espRxBufMax && link.sock && !link.paused) {
        link.paused = true;
        link.sock.pause();
      }
      return;
    }
    link.push.push(d);
    if (!link.pushQueued) {
      link.pushQueued = true;
      this.after(0, () => this.flushPush(link));
    }
  }

  /** Active mode: pushes what arrived as `+IPD,id,len:data` bursts of at most 2920 bytes. */
  private flushPush(link: EspLink): void {
    link.pushQueued = false;
    let all = Buffer.concat(link.push);
    link.push = [];
    while (all.length > 0) {
      const part = all.subarray(0, MAX_BURST);
      all = all.subarray(part.length);
      const info = this.dinfo === 1 ? `,"${link.ip}",${link.port}` : '';
      const headText = this.mux === 1 ? `\r\n+IPD,${link.id},${part.length}${info}:` : `\r\n+IPD,${part.length}${info}:`;
      if (this.brownOut(headText, part)) return;
      this.emit(Buffer.concat([Buffer.from(headText, 'latin1'), part]));
    }
  }

  private peerClosed(link: EspLink): void {
    this.dropSocket(link.sock);
    link.sock = null;
    link.st = 'closed';
    if (link.push.length > 0) this.flushPush(link);
    if (this.recvMode === 1 && link.rxLen > 0) {
      link.closeHeld = true; // CLOSED comes once the data has been read
      return;
    }
    this.links[link.id] = null;
    this.emit(L(`${this.pfx(link.id)}CLOSED`));
  }

  private cipclose(op: Cmd['op'], args: string[]): void {
    let ids: number[];
    if (this.mux === 1) {
      if (op !== '=') return this.error();
      const id = int(args[0]);
      if (id === 5) ids = this.links.filter((l) => l !== null).map((l) => l!.id);
      else if (id >= 0 && id < LINKS) ids = [id];
      else return this.error();
    } else {
      if (op !== '') return this.error();
      ids = [0];
    }
    const found = ids.filter((i) => this.links[i] !== null);
    if (found.length === 0) return this.error();
    let out = '';
    for (const i of found) {
      this.dropSocket(this.links[i]!.sock);
      this.links[i] = null;
      out += L(`${this.pfx(i)}CLOSED`);
    }
    this.reply(out, L('OK'));
  }

  // ---- send ----------------------------------------------------------

  private cipsend(op: Cmd['op'], args: string[]): void {
    if (op !== '=') return this.error(); // passthrough mode not emulated
    const id = this.linkId(args);
    const len = int(this.mux === 1 ? args[1] : args[0]);
    const link = id >= 0 ? this.links[id] : null;
    if (!link || link.st !== 'connected') return this.reply(L('link is not valid'), L('ERROR'));
    if (!(len >= 1 && len <= MAX_SEND)) return this.error();
    this.reply(L('OK'), '\r\n>');
    if (this.storming()) this.stormOne(); // between '>' and the data
    this.expectData(len, (data) => this.sendData(link, data));
  }

  private sendData(link: EspLink, data: Uint8Array): void {
    this.emit(L(`Recv ${data.length} bytes`));
    if (this.storming()) this.stormOne(); // between the data and SEND OK
    const id = link.id;
    if (this.links[id] !== link || link.st !== 'connected' || !link.sock) {
      return this.emit(L('SEND FAIL'));
    }
    if (this.sendFailNext) {
      this.sendFailNext = false;
      this.emit(L('SEND FAIL'));
      this.dropSocket(link.sock);
      link.sock = null;
      this.links[id] = null;
      this.emit(L(`${this.pfx(id)}CLOSED`));
      return;
    }
    this.netWrite(link.sock, data);
    this.busyFor(this.T.espSendOkMs, () => {
      this.emit(L(this.links[id] === link ? 'SEND OK' : 'SEND FAIL'));
    }, 's');
  }

  // ---- receive (passive mode) ------------------------------------------

  private ciprecvdata(op: Cmd['op'], args: string[]): void {
    if (op !== '=' || this.recvMode !== 1) return this.error();
    const id = this.linkId(args);
    const want = int(this.mux === 1 ? args[1] : args[0]);
    const link = id >= 0 ? this.links[id] : null;
    if (!link || link.rxLen === 0 || !(want >= 1)) return this.error();
    const n = Math.min(want, link.rxLen, MAX_RECV);
    const data = takeBytes(link.rx, n);
    const got = data.length;
    link.rxLen -= got;
    link.told = false;
    if (link.paused && link.sock && link.rxLen < this.T.espRxBufMax / 2) {
      link.paused = false;
      link.sock.resume();
    }
    const info = this.dinfo === 1 ? `"${link.ip}",${link.port},` : '';
    const headText = `\r\n+CIPRECVDATA:${got},${info}`;
    if (this.brownOut(headText, data)) return;
    this.reply(Buffer.concat([Buffer.from(headText, 'latin1'), data]), L('OK'));
    if (link.rxLen === 0 && link.closeHeld) {
      this.links[id] = null;
      this.emit(L(`${this.pfx(id)}CLOSED`));
    }
  }

  // ---- faults ----------------------------------------------------------

  protected faultPdpDeact(): void {
    if (this.wifi === 'off') return;
    this.wifiLost(true);
    if (this.T.espReconnectMs > 0) {
      this.after(this.T.espReconnectMs, () => {
        if (this.wifi !== 'off' || this.userQuit) return;
        this.wifi = 'connected';
        this.emit(L('WIFI CONNECTED'));
        this.after(300, () => { if (this.wifi === 'connected') this.gotIp(); });
      });
    }
  }

  protected faultDrop(): void {
    for (const l of this.links) if (l && l.st === 'connected') this.peerClosed(l);
  }

  protected stormUrc(): string | null {
    const options: string[] = [];
    if (this.wifi === 'gotip') options.push('WIFI GOT IP');
    if (this.recvMode === 1) {
      for (const l of this.links) {
        if (l && l.rxLen > 0) options.push(this.mux === 1 ? `+IPD,${l.id},${l.rxLen}` : `+IPD,${l.rxLen}`);
      }
    }
    return options.length > 0 ? this.rng.pick(options) : null;
  }
}
