// `atmqtt modem`: an emulated modem served over TCP, so a host outside this
// process (the native wasm3 host, a board on a USB-serial bridge) drives it
// as its UART. Toward the modem each message is framed so pins and baud rate
// travel with the bytes: [kind u8][len u16 BE][data]; kind 0 UART bytes,
// 1 GPIO (pin, level), 2 baud (u32 BE). From the modem: plain UART bytes.
// `--ca FILE` is the CA the emulated module verifies TLS brokers against.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import { createModem, traceLog, type ModemEmulator, type ModemKind } from './modem/index.ts';

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
    log: o.trace ? traceLog((line) => process.stderr.write(line + '\n')) : undefined,
    ...(o.caFile !== undefined ? { ca: readCa(o.caFile) } : {}),
    ...(o.ssl !== undefined ? { ssl: o.ssl } : {}),
  });
  let device: net.Socket | null = null;
  const pump = (): void => {
    if (!device) return;
    for (;;) {
      const d = modem.read(4096);
      if (d.length === 0) break;
      device.write(d);
    }
  };
  modem.onReadable(pump);
  const server = net.createServer((sock) => {
    if (device) { sock.destroy(); return; } // one UART, one device
    device = sock;
    sock.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => { pending = deframe(Buffer.concat([pending, d]), modem); pump(); });
    sock.on('close', () => { device = null; emit({ event: 'device-gone' }); });
    sock.on('error', () => {});
    emit({ event: 'device' });
    pump();
  });
  await new Promise<void>((resolve) => server.listen(o.port, '127.0.0.1', resolve));
  emit({ event: 'listening', port: (server.address() as net.AddressInfo).port, modem: o.kind });
  const stop = (): void => { modem.close(); server.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const raw of rl) {
    const [cmd, arg] = raw.trim().split(/\s+/);
    if (cmd === 'fault') {
      try { modem.fault(arg ?? ''); emit({ event: 'fault', name: arg }); } catch (e) { emit({ event: 'error', code: 'bad-argument', message: String(e) }); }
    } else if (cmd === 'quit') stop();
    else if (cmd) emit({ event: 'error', code: 'bad-argument', message: `unknown command ${cmd}` });
  }
  // stdin closed: keep serving until a signal
}
