// `atmqtt sim`: runs the firmware in the Node host against a broker and
// speaks a line protocol: commands on stdin, one JSON event a line on stdout.
import readline from 'node:readline';
import { readFileSync } from 'node:fs';
import { NodeHost, errorName, type Config, type HostEvent, type Message } from '../board/node/host.ts';
import { startBroker, type EmbeddedBroker } from './broker.ts';
import { PROFILES, isProfileName, logExpander, type ProfileName } from './profile.ts';
import { createModem, traceLog, FAULTS, type ModemEmulator, type ModemKind } from './modem/index.ts';
import { runModemServer } from './modem-server.ts';

const USAGE = `usage: atmqtt sim [--broker mqtt://host:port | mqtts://host:port | ws://host:port/path | wss://host:port/path]
  [--ca FILE] [--insecure] [--client-id ID]
  [--modem none|sim800|sim900|esp-at] [--baud N] [--rx-fifo BYTES] [--esp-no-passive]
  [--apn A] [--apn-user U] [--apn-password P] [--ssid S] [--wifi-password W]
  [--ap-ssid S] [--ap-password W]
  [--username U] [--password P] [--keepalive S] [--clean|--no-clean]
  [--will-topic T --will-payload P --will-qos N --will-retain]
  [--telemetry S] [--stay] [--runtime v8|wasm3] [--profile default|small] [--guard] [--trace]
stdin commands: sub FILTER QOS | unsub FILTER | pub TOPIC QOS RETAIN PAYLOAD...
  | wait MS | drop | disconnect | connect | fault NAME | quit
faults (with --modem): ${FAULTS.join(', ')}`;

function emit(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

function fail(message: string): never {
  emit({ event: 'error', code: 'bad-argument', message });
  process.stderr.write(USAGE + '\n');
  process.exit(2);
}

interface Args {
  broker?: string;
  modem: string;
  trace: boolean;
  config: Config;
  rxFifo?: number;
  /** ESP: the emulated firmware refuses AT+CIPRECVMODE (data comes pushed as +IPD). */
  espNoPassive?: boolean;
  stay: boolean;
  runtime: 'v8' | 'wasm3';
  guard: boolean;
  profile: ProfileName;
  apSsid?: string;
  apPassword?: string;
  /** PEM text of --ca FILE: the host's CA slot 0, and the emulated modem's CA. */
  ca?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { modem: 'none', trace: false, stay: false, runtime: 'v8', guard: false, profile: 'default', config: {} };
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined) fail(`${argv[i]} needs a value`);
    return v;
  };
  const int = (i: number, lo: number, hi: number): number => {
    const v = value(i);
    if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) fail(`${argv[i]} wants a number ${lo}..${hi}, got ${v}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    switch (k) {
      case '--broker': a.broker = value(i++); break;
      case '--ca': a.ca = readCa(value(i++)); break;
      case '--insecure': a.config.insecure = true; break;
      case '--modem': a.modem = value(i++); break;
      case '--client-id': a.config.client_id = value(i++); break;
      case '--username': a.config.username = value(i++); break;
      case '--password': a.config.password = value(i++); break;
      case '--keepalive': a.config.keepalive = int(i++, 0, 65535); break;
      case '--clean': a.config.clean = true; break;
      case '--no-clean': a.config.clean = false; break;
      case '--will-topic': a.config.will_topic = value(i++); break;
      case '--will-payload': a.config.will_payload = value(i++); break;
      case '--will-qos': a.config.will_qos = int(i++, 0, 2); break;
      case '--will-retain': a.config.will_retain = true; break;
      case '--telemetry': a.config.telemetry_s = int(i++, 0, 86400); break;
      case '--trace': a.trace = true; break;
      case '--stay': a.stay = true; break;
      case '--guard': a.guard = true; break;
      case '--profile': {
        const p = value(i++);
        if (!isProfileName(p)) fail(`--profile ${p}: want default or small`);
        a.profile = p;
        break;
      }
      case '--runtime': {
        const r = value(i++);
        if (r !== 'v8' && r !== 'wasm3') fail(`--runtime ${r}: want v8 or wasm3`);
        a.runtime = r;
        break;
      }
      case '--baud': a.config.baud = int(i++, 1200, 921600); break;
      case '--rx-fifo': a.rxFifo = int(i++, 16, 65536); break;
      case '--esp-no-passive': a.espNoPassive = true; break;
      case '--apn': a.config.apn = value(i++); break;
      case '--apn-user': a.config.apn_user = value(i++); break;
      case '--apn-password': a.config.apn_password = value(i++); break;
      case '--ssid': a.config.ssid = value(i++); break;
      case '--wifi-password': a.config.wifi_password = value(i++); break;
      case '--ap-ssid': a.apSsid = value(i++); break;
      case '--ap-password': a.apPassword = value(i++); break;
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0);
      default: fail(`unknown argument ${k}`);
    }
  }
  if (!['none', 'sim800', 'sim900', 'esp-at'].includes(a.modem)) fail(`--modem ${a.modem}: want none, sim800, sim900 or esp-at`);
  if (a.modem === 'esp-at') {
    a.config.ssid ??= 'atmqtt-wifi';
    a.config.wifi_password ??= 'atmqtt-pass';
  }
  if (a.modem === 'sim800' || a.modem === 'sim900') a.config.apn ??= 'internet';
  if (a.modem !== 'none') a.config.link = a.modem;
  if (a.broker !== undefined && !/^(mqtts?:\/\/[^/:]+(:\d+)?\/?|wss?:\/\/[^/:]+(:\d+)?(\/\S*)?)$/.test(a.broker)) {
    fail(`--broker ${a.broker}: want mqtt[s]://host[:port] or ws[s]://host[:port]/path`);
  }
  if (a.config.will_topic === undefined && (a.config.will_payload !== undefined || a.config.will_qos !== undefined || a.config.will_retain)) {
    fail('--will-payload, --will-qos and --will-retain need --will-topic');
  }
  return a;
}

/** The PEM text of a CA file; refused here rather than as a handshake failure later. */
function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`--ca ${file}: ${(e as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) fail(`--ca ${file}: no PEM certificate in it`);
  return pem;
}

function messageEvent(m: Message): object {
  const o: Record<string, unknown> = { event: 'message', topic: m.topic, qos: m.qos, retain: m.retain, dup: m.dup };
  try {
    o.payload = new TextDecoder('utf-8', { fatal: true }).decode(m.payload);
  } catch {
    o.payload = m.payload.toString('utf8');
    o.payloadBase64 = m.payload.toString('base64');
  }
  return o;
}

function eventLine(e: HostEvent): object {
  switch (e.event) {
    case 'subscribed': return { event: e.event, filter: e.filter, granted: e.granted };
    case 'unsubscribed': return { event: e.event, filter: e.filter };
    case 'published': return { event: e.event, topic: e.topic, qos: e.qos };
    case 'error': {
      const { detail: _d, ...rest } = e;
      return rest;
    }
    default: return e;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `atmqtt modem --modem KIND [--listen PORT] [--baud N] [--apn A] [--ssid S] [--wifi-password W] [--ca FILE] [--trace]` */
async function modemMain(argv: string[]): Promise<void> {
  const get = (k: string): string | undefined => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
  const kind = get('--modem');
  if (kind !== 'sim800' && kind !== 'sim900' && kind !== 'esp-at') fail('atmqtt modem: --modem sim800|sim900|esp-at');
  const port = Number(get('--listen') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--listen wants a port');
  await runModemServer({
    kind, port,
    baud: get('--baud') ? Number(get('--baud')) : undefined,
    apn: get('--apn') ?? 'internet',
    ssid: get('--ssid'), wifiPassword: get('--wifi-password'),
    caFile: get('--ca'), // the CA loaded into the emulated module, for its TLS links
    trace: argv.includes('--trace'),
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'modem') return modemMain(argv.slice(1));
  if (argv[0] !== 'sim') fail(argv[0] === undefined ? 'missing command' : `unknown command ${argv[0]}`);
  const args = parseArgs(argv.slice(1));
  let broker: EmbeddedBroker | undefined;
  let url = args.broker;
  if (url === undefined) {
    broker = await startBroker();
    url = broker.url;
    emit({ event: 'broker', url, wsUrl: broker.wsUrl });
  }
  const t0 = Date.now();
  let modem: ModemEmulator | undefined;
  if (args.modem !== 'none') {
    modem = createModem({
      kind: args.modem as ModemKind,
      baud: Number(args.config.baud ?? 115200),
      rxFifo: args.rxFifo,
      noPassive: args.espNoPassive,
      apn: String(args.config.apn ?? ''),
      ssid: args.apSsid ?? String(args.config.ssid ?? ''),
      wifiPassword: args.apPassword ?? String(args.config.wifi_password ?? ''),
      log: args.trace ? traceLog((line) => process.stderr.write(line + '\n')) : undefined,
      ca: args.ca,
    });
  }
  const expand = logExpander(PROFILES[args.profile]);
  const host = new NodeHost({
    runtime: args.runtime,
    // the RAM guard: every access past the profile's budget traps, as on a board
    wasmPath: args.guard ? PROFILES[args.profile].guarded : PROFILES[args.profile].wasm,
    ...(args.guard ? { ramBudget: PROFILES[args.profile].budget } : {}),
    uart: modem,
    ca: args.ca,
    config: { ...args.config, url },
    onEvent: (e) => emit(eventLine(e)),
    onMessage: (m) => emit(messageEvent(m)),
    onLog: (level, text) => {
      if (args.trace || level <= 2) process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(3)}] ${expand(text)}\n`);
    },
  });
  const r = host.setup();
  if (r !== 0) {
    emit({ event: 'error', code: errorName(r), message: 'setup refused the configuration' });
    process.exit(2);
  }
  host.start();

  const finish = async (drain: boolean): Promise<never> => {
    if (drain) {
      // finish outstanding QoS 1/2 flows, bounded
      const until = Date.now() + 15000;
      while (host.pending() > 0 && Date.now() < until) await sleep(20);
    }
    if (host.state() === 4) {
      host.disconnect();
      const until = Date.now() + 2000;
      while (host.state() !== 0 && Date.now() < until) await sleep(10);
    }
    host.stop();
    modem?.close();
    await broker?.close();
    process.exit(0);
  };

  process.on('SIGINT', () => void finish(false));
  process.on('SIGTERM', () => void finish(false));

  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [cmd, ...rest] = line.split(/\s+/);
    const report = (code: number, what: string) => {
      if (code < 0) emit({ event: 'error', code: errorName(code), message: `${what} refused` });
    };
    switch (cmd) {
      case 'sub': {
        const qos = Number(rest[1] ?? 0);
        if (rest.length < 1 || ![0, 1, 2].includes(qos)) { emit({ event: 'error', code: 'bad-argument', message: 'sub FILTER QOS' }); break; }
        report(host.subscribe([{ filter: rest[0], qos }]), `sub ${rest[0]}`);
        break;
      }
      case 'unsub':
        if (rest.length < 1) { emit({ event: 'error', code: 'bad-argument', message: 'unsub FILTER' }); break; }
        report(host.unsubscribe([rest[0]]), `unsub ${rest[0]}`);
        break;
      case 'pub': {
        const m = /^pub\s+(\S+)\s+([0-2])\s+([01])(?:\s(.*))?$/.exec(line);
        if (!m) { emit({ event: 'error', code: 'bad-argument', message: 'pub TOPIC QOS RETAIN PAYLOAD...' }); break; }
        report(host.publish(m[1], m[4] ?? '', Number(m[2]), m[3] === '1'), `pub ${m[1]}`);
        break;
      }
      case 'wait': await sleep(Number(rest[0] ?? 0)); break;
      // a lost network: host sockets reset; through a modem the bearer goes
      // (+PDP: DEACT / WIFI DISCONNECT) and its sockets with it
      case 'drop': if (modem) modem.fault('pdp-deact'); else host.dropLinks(); break;
      case 'disconnect': host.disconnect(); break;
      case 'connect': host.connect(); break;
      case 'fault':
        if (!modem) { emit({ event: 'error', code: 'bad-argument', message: 'fault needs --modem' }); break; }
        try {
          modem.fault(rest[0] ?? '');
          emit({ event: 'fault', name: rest[0] });
        } catch (e) {
          emit({ event: 'error', code: 'bad-argument', message: String(e) });
        }
        break;
      case 'quit': await finish(false); break;
      default: emit({ event: 'error', code: 'bad-argument', message: `unknown command ${cmd}` });
    }
  }
  // --stay: keep running after the end of input, until Ctrl-C / SIGTERM
  if (!args.stay) await finish(true);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  emit({ event: 'error', code: 'internal', message: String(e) });
  process.exit(1);
});
