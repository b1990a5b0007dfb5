// `atmqtt modem`: an emulated modem served to a host outside this process
// (the native wasm3 host, a board on a USB-serial bridge, `atmqtt sim
// --uart`, firmware of someone else's) as its UART.
// - framed (default), on TCP: toward the modem each message is framed so
//   pins and baud rate travel with the bytes: [kind u8][len u16 BE][data];
//   kind 0 UART bytes, 1 GPIO (pin, level), 2 baud (u32 BE). From the
//   modem: plain UART bytes.
// - --raw, on TCP: a plain byte stream both ways, as ser2net offers one.
// - --pty: a pseudo-terminal (its path is the first line printed), for
//   programs that open a serial port.
// Pins cannot travel on a raw stream or a terminal: `pwrkey` and `reset` on
// stdin pulse them. `--ca FILE` is the CA the emulated module verifies TLS
// brokers against.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createModem, traceLog, kindInfo, pinTiming, PIN_PWRKEY, PIN_RESET, type ModemEmulator, type ModemKind } from './modem/index.ts';

export type ModemLink = 'framed' | 'raw' | 'pty';

export interface ModemServerOptions {
  kind: ModemKind;
  port: number;
  baud?: number;
  apn?: string;
  ssid?: string;
  wifiPassword?: string;
  trace?: boolean;
  /** PEM file: the CA loaded into the emulated module (`--ca FILE`); none: Node's default trust store. */
  caFile?: string;
  /** false: a module firmware without SSL. */
  ssl?: boolean;
  /** how the device reaches the UART (default framed) */
  link?: ModemLink;
}

function emit(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

/** Feeds framed device bytes to the modem; returns the bytes not yet a whole frame. */
export function deframe(buf: Buffer, modem: ModemEmulator): Buffer {
  let off = 0;
  while (buf.length - off >= 3) {
    const kind = buf[off];
    const len = buf.readUInt16BE(off + 1);
    if (buf.length - off < 3 + len) break;
    const data = buf.subarray(off + 3, off + 3 + len);
    if (kind === 0) modem.write(new Uint8Array(data));
    else if (kind === 1 && len >= 2) modem.gpio(data[0], data[1]);
    else if (kind === 2 && len >= 4) modem.setBaud(data.readUInt32BE(0));
    off += 3 + len;
  }
  return buf.subarray(off);
}

/** The PEM text of the CA file; exits with an error event when it cannot be read. */
function readCa(file: string): string {
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return pem;
  } catch (e) {
    emit({ event: 'error', code: 'bad-argument', message: `--ca ${file}: ${(e as Error).message}` });
    process.exit(2);
  }
}

export async function runModemServer(o: ModemServerOptions): Promise<void> {
  const modem = createModem({
    kind: o.kind,
    baud: o.baud ?? 115200,
    apn: o.apn ?? '',
    ...(o.ssid !== undefined ? { ssid: o.ssid } : {}),
    ...(o.wifiPassword !== undefined ? { wifiPassword: o.wifiPassword } : {}),
    // the module's Wi-Fi password stays out of the trace
    log: o.trace ? traceLog((line) => process.stderr.write(line + '\n'), undefined, o.wifiPassword ? [o.wifiPassword] : []) : undefined,
    ...(o.caFile !== undefined ? { ca: readCa(o.caFile) } : {}),
    ...(o.ssl !== undefined ? { ssl: o.ssl } : {}),
  });
  let close: () => void;
  try {
    if (o.link === 'pty') {
      const pty = await servePty(modem, o.baud ?? 115200, (why) => {
        emit({ event: 'error', code: 'internal', message: `--pty: ${why}` });
        modem.close();
        process.exit(1);
      });
      close = pty.close;
      emit({ event: 'pty', path: pty.path, modem: o.kind });
    } else {
      const served = await serveTcp(modem, o.port, o.link === 'raw' ? 'raw' : 'framed', {
        onDevice: () => emit({ event: 'device' }),
        onGone: () => emit({ event: 'device-gone' }),
      });
      close = served.close;
      emit({ event: 'listening', port: served.port, modem: o.kind, link: o.link ?? 'framed' });
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message = err.code === 'EADDRINUSE' ? `--listen ${o.port}: port in use` : err.message;
    emit({ event: 'error', code: 'unavailable', message });
    modem.close();
    process.exit(2);
  }
  const stop = (): void => { modem.close(); close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const raw of rl) {
    const [cmd, arg] = raw.trim().split(/\s+/);
    if (cmd === 'fault') {
      try { modem.fault(arg ?? ''); emit({ event: 'fault', name: arg }); } catch (e) { emit({ event: 'error', code: 'bad-argument', message: String(e) }); }
    } else if (cmd === 'pwrkey' && !kindInfo(o.kind).pwrkey) {
      emit({ event: 'error', code: 'bad-argument', message: `${o.kind} has no PWRKEY: reset restarts it` });
    } else if (cmd === 'pwrkey' || cmd === 'reset') {
      void pulse(modem, cmd, o.kind).then(() => emit({ event: 'pin', name: cmd }));
    } else if (cmd === 'quit') stop();
    else if (cmd) emit({ event: 'error', code: 'bad-argument', message: `unknown command ${cmd}` });
  }
  // stdin closed: keep serving until a signal
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A pin pulse, for hosts whose link carries no pins: PWRKEY low a little
 * longer than the module needs to toggle its power (the kind's hardware
 * design minimum, e.g. SIM800: ≥ 1 s on, ≥ 1.5 s off), or RESET low 100 ms
 * (the module restarts).
 */
export async function pulse(modem: ModemEmulator, pin: 'pwrkey' | 'reset', kind: ModemKind): Promise<void> {
  const p = pin === 'pwrkey' ? PIN_PWRKEY : PIN_RESET;
  const t = pinTiming(kind);
  modem.gpio(p, 0);
  await sleep(pin === 'pwrkey' ? Math.max(t.pwrkeyMs, t.pwrkeyOffMs) + 200 : 100);
  modem.gpio(p, 1);
}

/** Sends every byte the modem has for the device to `out`, now and whenever more arrive. */
export function pumpTo(modem: ModemEmulator, out: () => ((d: Uint8Array) => void) | null): () => void {
  const pump = (): void => {
    const w = out();
    if (!w) return;
    for (;;) {
      const d = modem.read(4096);
      if (d.length === 0) break;
      w(d);
    }
  };
  modem.onReadable(pump);
  return pump;
}

export interface ServedTcp {
  server: net.Server;
  port: number;
  /** drops the device and stops listening */
  close(): void;
}

/**
 * Serves the modem's UART on 127.0.0.1:port (0: a free one) to one device
 * at a time (a second is refused): its bytes framed (deframe) or raw.
 */
export async function serveTcp(modem: ModemEmulator, port: number, link: 'framed' | 'raw',
  on: { onDevice?: () => void; onGone?: () => void } = {}): Promise<ServedTcp> {
  let device: net.Socket | null = null;
  const pump = pumpTo(modem, () => (device ? (d) => device!.write(d) : null));
  const server = net.createServer((sock) => {
    if (device) { sock.destroy(); return; } // one UART, one device
    device = sock;
    sock.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      if (link === 'framed') pending = deframe(Buffer.concat([pending, d]), modem);
      else modem.write(new Uint8Array(d));
      pump();
    });
    sock.on('close', () => { if (device === sock) { device = null; on.onGone?.(); } });
    sock.on('error', () => {});
    on.onDevice?.();
    pump();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return { server, port: (server.address() as net.AddressInfo).port, close: () => { device?.destroy(); server.close(); } };
}

const PTY_BRIDGE = fileURLToPath(new URL('./pty-bridge.py', import.meta.url));

/** Serves the modem's UART on a new pseudo-terminal (through sim/pty-bridge.py); the device's rate is the one it sets on the terminal. */
export async function servePty(modem: ModemEmulator, baud: number, onGone: (why: string) => void = () => {}): Promise<{ path: string; close: () => void }> {
  let closing = false;
  const child = spawn('python3', [PTY_BRIDGE, String(baud)], { stdio: ['pipe', 'pipe', 'inherit', 'pipe'] });
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  stdin.on('error', () => {});
  // the rate the device set on the terminal: a mismatch garbles, as on a wire
  const rates = child.stdio[3] as NodeJS.ReadableStream;
  readline.createInterface({ input: rates }).on('line', (l) => { if (/^\d+$/.test(l)) modem.setBaud(Number(l)); });
  let path: string | null = null;
  let head = Buffer.alloc(0);
  const pump = pumpTo(modem, () => (path !== null ? (d) => { stdin.write(d); } : null));
  const ready = new Promise<string>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`--pty needs python3: ${e.message}`)));
    child.once('exit', (code) => {
      if (path === null) reject(new Error(`--pty: the terminal bridge exited (${code})`));
      else if (!closing) onGone(`the terminal bridge exited (${code})`);
    });
    stdout.on('data', (d: Buffer) => {
      if (path !== null) { modem.write(new Uint8Array(d)); pump(); return; }
      head = Buffer.concat([head, d]);
      const nl = head.indexOf(10);
      if (nl < 0) return;
      path = head.subarray(0, nl).toString('utf8');
      resolve(path);
      const rest = head.subarray(nl + 1);
      if (rest.length > 0) modem.write(new Uint8Array(rest));
      pump();
    });
  });
  const p = await ready;
  return { path: p, close: () => { closing = true; stdin.end(); child.kill(); } };
}
