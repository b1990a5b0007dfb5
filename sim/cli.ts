// `atmqtt sim`: runs the firmware in the Node host against a broker and
// speaks a line protocol: commands on stdin, one JSON event a line on stdout.
import readline from 'node:readline';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { NodeHost, errorName, type Config, type HostEvent, type Message } from '../board/node/host.ts';
import { startBroker, type EmbeddedBroker } from './broker.ts';
import { PROFILES, isProfileName, logExpander, type Profile, type ProfileName } from './profile.ts';
import { createModem, traceLog, FAULTS, FIRMWARE_KINDS, MODEM_KINDS, isModemKind, kindInfo, kindList, type ModemEmulator, type ModemKind } from './modem/index.ts';
import { runModemServer } from './modem-server.ts';
import { UartLink, UartOpenError, type PinLine } from './uart-link.ts';
import { feedReadings } from './sensor.ts';
import { runDemo } from './demo.ts';
import { BOARDS, isBoardName, loadBoard } from './board/index.ts';
import { BoardRun, ensureBuilt, missingTools } from './board/run.ts';
import type { BoardEmulator } from './board/types.ts';
import { appProfile, userProject, APP_SOURCE } from './project.ts';
import { buildMain, mtime } from './build.ts';
import { initMain } from './init.ts';

const USAGE = `usage: atmqtt sim [--broker mqtt://host:port | mqtts://host:port | ws://host:port/path | wss://host:port/path]
  [--ca FILE] [--insecure] [--client-id ID]
  [--modem none|${kindList(FIRMWARE_KINDS)}] [--baud N] [--rx-fifo BYTES] [--esp-no-passive]
  [--apn A] [--apn-user U] [--apn-password P] [--ssid S] [--wifi-password W]
  [--ap-ssid S] [--ap-password W]
  [--username U] [--password P] [--keepalive S] [--clean|--no-clean]
  [--will-topic T --will-payload P --will-qos N --will-retain]
  [--telemetry S] [--stay] [--runtime v8|wasm3] [--profile default|small] [--guard] [--trace] [--show-secrets]
  [--wasm FILE]  (another module of the profile, e.g. npm run build:modem's build/atmqtt-sim800.wasm)
  [--board ${Object.keys(BOARDS).join('|')}]
  [--uart /dev/ttyUSB0|COM3|tcp:HOST:PORT [--pwrkey dtr|rts|none]]  (with --modem: a real module or
  \`atmqtt modem --raw\`/\`--pty\` instead of the built-in emulator)
stdin commands: sub FILTER QOS | unsub FILTER | pub TOPIC QOS RETAIN PAYLOAD...
  | wait MS | drop | disconnect | connect | fault NAME | quit
  | set pin N 0|1 | set adc CH VALUE | set i2c ADDR HEX  (an app's inputs: board/ABI.md "Board I/O")
modems:
${kindHelp(FIRMWARE_KINDS)}
faults (with --modem): ${FAULTS.join(', ')}`;

/** One line a kind, from the kinds list. */
function kindHelp(kinds: readonly ModemKind[]): string {
  return MODEM_KINDS.filter((k) => kinds.includes(k.name)).map((k) => `  ${k.name.padEnd(8)} ${k.description}`).join('\n');
}

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
  /** --board: the image runs inside the emulator of that board's CPU. */
  board?: string;
  /** --wasm: this module instead of the profile's (a build:modem module) */
  wasm?: string;
  /** --show-secrets: passwords in traces as they are (for debugging) */
  showSecrets: boolean;
  /** --uart: the UART on this serial device or tcp:HOST:PORT, no emulator */
  uart?: string;
  /** --pwrkey: the adapter line wired to the module's power pin */
  pwrkey: PinLine;
}

/** What traces must not show, unless --show-secrets. */
function secretsOf(a: Args): string[] {
  if (a.showSecrets) return [];
  const c = a.config;
  return [c.password, c.apn_password, c.wifi_password, a.apPassword].filter((x): x is string => typeof x === 'string' && x.length > 0);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { modem: 'none', trace: false, stay: false, runtime: 'v8', guard: false, profile: 'default', config: {}, showSecrets: false, pwrkey: 'none' };
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
      case '--show-secrets': a.showSecrets = true; a.config.log_secrets = true; break;
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
      case '--board': a.board = value(i++); break;
      case '--wasm': a.wasm = value(i++); break;
      case '--uart': a.uart = value(i++); break;
      case '--pwrkey': {
        const l = value(i++);
        if (l !== 'dtr' && l !== 'rts' && l !== 'none') fail(`--pwrkey ${l}: want dtr, rts or none`);
        a.pwrkey = l;
        break;
      }
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0);
      default: fail(`unknown flag ${k}`);
    }
  }
  if (a.board !== undefined) {
    if (!isBoardName(a.board)) {
      emit({ event: 'error', code: 'bad-argument', message: `--board ${a.board}: want one of ${Object.keys(BOARDS).join(', ')}` });
      process.exit(2);
    }
    // a board reaches the network through its modem UART only
    if (a.modem === 'none') a.modem = 'sim800';
    if (a.runtime !== 'v8' || a.guard || a.profile !== 'default') fail('--runtime, --guard and --profile do not apply to --board (the board fixes its engine and profile)');
  }
  if (a.wasm !== undefined) {
    if (a.board !== undefined || a.guard) fail('--wasm: not with --board or --guard (a board builds its own image; the guard is the profile module\'s twin)');
    if (!existsSync(a.wasm)) fail(`--wasm ${a.wasm}: no such file (npm run build:modem -- FAMILY writes one)`);
  }
  if (a.uart !== undefined) {
    if (a.board !== undefined) fail('--uart and --board: a board has its own UART');
    if (a.modem === 'none') fail(`--uart needs --modem ${kindList(FIRMWARE_KINDS)}: the AT dialect the firmware speaks on it`);
    if (a.rxFifo !== undefined || a.apSsid !== undefined || a.apPassword !== undefined) fail('--rx-fifo, --ap-ssid and --ap-password set up the built-in emulator: not with --uart');
    if (a.uart.startsWith('tcp:') && a.pwrkey !== 'none') fail('--pwrkey: a tcp: stream carries no pins (atmqtt modem takes pwrkey / reset on its stdin)');
    // TLS through a module is the module's: it verifies against its own CA store
    if (a.ca !== undefined) process.stderr.write('atmqtt sim: --ca does not reach a module on --uart: it verifies TLS brokers with its own CA (SIM800: AT+SSLSETCERT, ESP-AT: its PKI partition, the emulator: atmqtt modem --ca FILE)\n');
  } else if (a.pwrkey !== 'none') fail('--pwrkey needs --uart');
  if (a.modem !== 'none') {
    if (!isModemKind(a.modem)) fail(`--modem ${a.modem}: want none or one of ${FIRMWARE_KINDS.join(', ')}`);
    const k = kindInfo(a.modem);
    if (!k.firmware) {
      fail(`--modem ${a.modem}: the firmware has no ${a.modem} driver yet; \`atmqtt modem --modem ${a.modem}\` runs its emulator for raw AT work. The firmware speaks ${FIRMWARE_KINDS.join(', ')}`);
    }
    // the defaults the emulated network accepts
    if (k.apn !== undefined) a.config.apn ??= k.apn;
    if (k.ssid !== undefined) a.config.ssid ??= k.ssid;
    if (k.wifiPassword !== undefined) a.config.wifi_password ??= k.wifiPassword;
    a.config.link = a.modem;
  }
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

const TOP_USAGE = `usage: atmqtt COMMAND [flags]   (atmqtt COMMAND --help for each)
  init     write a new project (a thermostat app, its tests) into a folder
  build    in a project: compile its assembly/app.ts with the client (and a board's image)
  flash    write a module to an ESP32's or ESP8266's flash (in a project: build/app.wasm)
  sim      run the firmware against a broker: on the desktop (V8 or wasm3), through an
           emulated modem, or inside the emulator of a board's CPU (--board)
  modem    serve an emulated AT modem over TCP, for a host outside this process
  broker   run the embedded broker (aedes): MQTT over TCP and over WebSocket (/mqtt)
  demo     what npm start runs: the broker, three simulated devices and the live dashboard`;

const DEMO_USAGE = `usage: atmqtt demo [--broker URL [--broker-ws ws://host:port/path]] [--port N (8000)]
  [--telemetry S (2)] [--keepalive S (10)] [--trace]
  Starts the embedded broker (or uses --broker), three simulated devices on emulated
  SIM800, SIM900 (mqtt://) and ESP-AT (ws://) modems running the telemetry app, and
  serves the dashboard page; its URL is the first line printed. Ctrl-C stops everything.`;

const MODEM_USAGE = `usage: atmqtt modem --modem ${kindList()} [--listen PORT [--raw] | --pty] [--baud N]
  [--apn A] [--ssid S] [--wifi-password W] [--ca FILE] [--trace]
  --listen: TCP on 127.0.0.1:PORT (0: a free one), framed (pins and baud travel with
  the bytes); --raw: a plain byte stream; --pty: a pseudo-terminal, its path printed first
stdin commands: fault NAME | pwrkey | reset | quit
modems:
${kindHelp(MODEM_KINDS.map((k) => k.name))}
faults: ${FAULTS.join(', ')}`;

const BROKER_USAGE = `usage: atmqtt broker [--port N (1883)] [--ws-port N (8080)]
  MQTT over TCP on 127.0.0.1:PORT and over WebSocket on ws://127.0.0.1:WS-PORT/mqtt;
  a port that is taken is replaced by a free one. The first line printed gives both URLs.`;

/** Flags of a subcommand: each known flag (value or switch) once; an unknown one names itself. */
function flags(argv: string[], usage: string, withValue: string[], switches: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '-h' || k === '--help') { process.stdout.write(usage + '\n'); process.exit(0); }
    if (switches.includes(k)) { out.set(k, '1'); continue; }
    if (!withValue.includes(k)) { emit({ event: 'error', code: 'bad-argument', message: `unknown flag ${k}` }); process.stderr.write(usage + '\n'); process.exit(2); }
    const v = argv[++i];
    if (v === undefined) { emit({ event: 'error', code: 'bad-argument', message: `${k} needs a value` }); process.stderr.write(usage + '\n'); process.exit(2); }
    out.set(k, v);
  }
  return out;
}

function portFlag(f: Map<string, string>, k: string, dflt: number): number {
  const v = f.get(k);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) > 65535) { emit({ event: 'error', code: 'bad-argument', message: `${k} wants a port 0..65535, got ${v}` }); process.exit(2); }
  return Number(v);
}

/** `atmqtt modem ...` */
async function modemMain(argv: string[]): Promise<void> {
  const f = flags(argv, MODEM_USAGE, ['--modem', '--listen', '--baud', '--apn', '--ssid', '--wifi-password', '--ca'], ['--trace', '--raw', '--pty']);
  const kind = f.get('--modem');
  if (kind === undefined || !isModemKind(kind)) {
    emit({ event: 'error', code: 'bad-argument', message: `--modem ${kindList()} is required` });
    process.stderr.write(MODEM_USAGE + '\n');
    process.exit(2);
  }
  const baud = f.get('--baud');
  if (baud !== undefined && !/^\d+$/.test(baud)) { emit({ event: 'error', code: 'bad-argument', message: `--baud wants a number, got ${baud}` }); process.exit(2); }
  if (f.has('--pty') && (f.has('--raw') || f.has('--listen'))) { emit({ event: 'error', code: 'bad-argument', message: '--pty serves a terminal, not a port: no --listen or --raw with it' }); process.exit(2); }
  await runModemServer({
    link: f.has('--pty') ? 'pty' : f.has('--raw') ? 'raw' : 'framed',
    kind, port: portFlag(f, '--listen', 0),
    baud: baud !== undefined ? Number(baud) : undefined,
    apn: f.get('--apn') ?? 'internet',
    ssid: f.get('--ssid'), wifiPassword: f.get('--wifi-password'),
    caFile: f.get('--ca'), // the CA loaded into the emulated module, for its TLS links
    trace: f.has('--trace'),
  });
}

/** `atmqtt demo ...` */
async function demoMain(argv: string[]): Promise<void> {
  const f = flags(argv, DEMO_USAGE, ['--broker', '--broker-ws', '--port', '--telemetry', '--keepalive'], ['--trace']);
  const num = (k: string, dflt: number, lo: number, hi: number): number => {
    const v = f.get(k);
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) { emit({ event: 'error', code: 'bad-argument', message: `${k} wants a number ${lo}..${hi}, got ${v}` }); process.exit(2); }
    return Number(v);
  };
  const broker = f.get('--broker');
  if (broker !== undefined && !/^(mqtt|ws):\/\//.test(broker)) { emit({ event: 'error', code: 'bad-argument', message: `--broker ${broker}: want mqtt://host:port or ws://host:port/path` }); process.exit(2); }
  if (broker?.startsWith('mqtt') && f.get('--broker-ws') === undefined) { emit({ event: 'error', code: 'bad-argument', message: '--broker mqtt://… needs --broker-ws ws://host:port/path for the page' }); process.exit(2); }
  const stop = await runDemo({
    broker, brokerWs: f.get('--broker-ws'), port: num('--port', 8000, 0, 65535),
    telemetryS: num('--telemetry', 2, 1, 86400), keepaliveS: num('--keepalive', 10, 2, 65535),
    trace: f.has('--trace'), out: (line) => process.stdout.write(line + '\n'),
  });
  const end = (): void => { void stop().then(() => process.exit(0)); };
  process.on('SIGINT', end);
  process.on('SIGTERM', end);
}

/** `atmqtt broker ...`: the embedded broker alone, until Ctrl-C. */
async function brokerMain(argv: string[]): Promise<void> {
  const f = flags(argv, BROKER_USAGE, ['--port', '--ws-port']);
  const broker = await startBroker(portFlag(f, '--port', 1883), portFlag(f, '--ws-port', 8080));
  emit({ event: 'broker', url: broker.url, wsUrl: broker.wsUrl });
  process.stderr.write(`atmqtt broker: MQTT ${broker.url}  WebSocket ${broker.wsUrl}  (Ctrl-C stops it)\n`);
  const stop = (): void => { void broker.close().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') { process.stdout.write(TOP_USAGE + '\n'); process.exit(0); }
  if (argv[0] === 'modem') return modemMain(argv.slice(1));
  if (argv[0] === 'broker') return brokerMain(argv.slice(1));
  if (argv[0] === 'demo') return demoMain(argv.slice(1));
  if (argv[0] === 'build') process.exit(buildMain(argv.slice(1)));
  if (argv[0] === 'init') process.exit(initMain(argv.slice(1)));
  if (argv[0] === 'flash') return flashMain(argv.slice(1));
  if (argv[0] !== 'sim') {
    emit({ event: 'error', code: 'bad-argument', message: argv[0] === undefined ? 'missing command' : `unknown command ${argv[0]}` });
    process.stderr.write(TOP_USAGE + '\n');
    process.exit(2);
  }
  const args = parseArgs(argv.slice(1));
  // the module to run, checked before anything starts (a project not built yet says so)
  const profile = args.board === undefined ? simProfile(args) : PROFILES.default;
  // a board's tools and image first: nothing is started for a board that cannot run
  const board = args.board !== undefined ? await prepareBoard(args.board as keyof typeof BOARDS) : undefined;
  // an external UART: opened first, so a missing or busy port costs nothing else
  const link = args.uart !== undefined ? await openUart(args) : undefined;
  let broker: EmbeddedBroker | undefined;
  let url = args.broker;
  if (url === undefined) {
    broker = await startBroker();
    url = broker.url;
    emit({ event: 'broker', url, wsUrl: broker.wsUrl });
  }
  if (board !== undefined) return boardMain(args, board, url, broker);
  const t0 = Date.now();
  let modem: ModemEmulator | undefined;
  if (args.modem !== 'none' && link === undefined) {
    modem = createModem({
      kind: args.modem as ModemKind,
      baud: Number(args.config.baud ?? 115200),
      rxFifo: args.rxFifo,
      noPassive: args.espNoPassive,
      apn: String(args.config.apn ?? ''),
      ssid: args.apSsid ?? String(args.config.ssid ?? ''),
      wifiPassword: args.apPassword ?? String(args.config.wifi_password ?? ''),
      log: args.trace ? traceLog((line) => process.stderr.write(line + '\n'), undefined, secretsOf(args)) : undefined,
      ca: args.ca,
    });
  }
  const expand = logExpander(profile);
  const host = new NodeHost({
    runtime: args.runtime,
    // the RAM guard: every access past the profile's budget traps, as on a board
    wasmPath: args.wasm ?? (args.guard ? profile.guarded : profile.wasm),
    ...(args.guard ? { ramBudget: profile.budget } : {}),
    uart: link ?? modem,
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
  // the telemetry app's readings, from a simulated sensor
  const feed = Number(args.config.telemetry_s ?? 0) > 0 ? feedReadings(host) : undefined;

  const finish = async (drain: boolean): Promise<never> => {
    if (feed) clearInterval(feed);
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
    await link?.close();
    await broker?.close();
    process.exit(process.exitCode ?? 0);
  };
  // the adapter unplugged, the bridge gone: nothing more can happen
  linkClosed = (why) => {
    emit({ event: 'error', code: 'uart-closed', message: why });
    process.exitCode = 1;
    void finish(false);
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
      // an app's inputs; its outputs come out as pin events
      case 'set': {
        const bad = host.pins.command(rest);
        if (bad !== null) emit({ event: 'error', code: 'bad-argument', message: bad });
        else host.wake();
        break;
      }
      // a lost network: host sockets reset; through a modem the bearer goes
      // (+PDP: DEACT / WIFI DISCONNECT) and its sockets with it
      case 'drop':
        if (link) emit({ event: 'error', code: 'bad-argument', message: 'drop: the modem is outside (--uart): take its network away there (atmqtt modem: fault pdp-deact)' });
        else if (modem) modem.fault('pdp-deact');
        else host.dropLinks();
        break;
      case 'disconnect': host.disconnect(); break;
      case 'connect': host.connect(); break;
      case 'fault':
        if (link) { emit({ event: 'error', code: 'bad-argument', message: 'fault: the modem is outside (--uart): give faults to atmqtt modem on its stdin' }); break; }
        if (!modem) { emit({ event: 'error', code: 'bad-argument', message: 'fault needs --modem' }); break; }
        injectFault(modem, rest[0]);
        break;
      case 'quit': await finish(false); break;
      default: emit({ event: 'error', code: 'bad-argument', message: `unknown command ${cmd}` });
    }
  }
  // --stay: keep running after the end of input, until Ctrl-C / SIGTERM
  if (!args.stay) await finish(true);
}

/** The modules `atmqtt sim` runs: in a user project (atmqtt init) its
 * build/app*.wasm, else this package's own build. */
function simProfile(args: Args): Profile {
  const p = PROFILES[args.profile];
  const root = args.wasm === undefined ? userProject() : null;
  if (root === null) return p;
  const user = appProfile(root, p);
  const wasm = args.guard ? user.guarded : user.wasm;
  const source = `${root}/${APP_SOURCE}`;
  if (mtime(wasm) === 0) fail(`${wasm}: missing: run atmqtt build${args.profile === 'small' ? ' --profile small' : ''} first`);
  if (mtime(wasm) < mtime(source)) process.stderr.write(`atmqtt sim: ${wasm} is older than ${APP_SOURCE}: run atmqtt build to run your latest app\n`);
  return user;
}

/** `atmqtt flash ...`: board/flash/flash.ts; in a project, its build/app.wasm by default. */
async function flashMain(argv: string[]): Promise<void> {
  const { main: flash } = await import('../board/flash/flash.ts');
  const root = userProject();
  const given = argv.some((a) => a === '--image' || a === '--wasm' || a.startsWith('--image=') || a.startsWith('--wasm='));
  const extra = root !== null && !given ? ['--wasm', `${root}/build/app.wasm`, '--out', `${root}/build/app.img`] : [];
  process.exit(flash([...argv, ...extra]));
}

/** Set once the simulator runs: what to do when the --uart stream ends. */
let linkClosed: (why: string) => void = (why) => {
  emit({ event: 'error', code: 'uart-closed', message: why });
  process.exit(1);
};

/** `--uart PATH`: the UART opened, or one error line and exit 2. */
async function openUart(args: Args): Promise<UartLink> {
  const link = new UartLink({
    path: args.uart!,
    baud: Number(args.config.baud ?? 115200),
    pwrkey: args.pwrkey,
    log: args.trace ? traceLog((line) => process.stderr.write(line + '\n'), undefined, secretsOf(args)) : undefined,
    // the firmware pulses the module's power pin: shown, and on no line a hint to do it by hand
    onPin: (pin, level, line) => {
      emit({ event: 'gpio', pin, level, line });
      if (line === 'none' && level === 0) process.stderr.write(`atmqtt sim: the firmware restarts the modem (gpio ${pin} low) but no line is wired (--pwrkey); power-cycle the module by hand if it hangs\n`);
    },
    notice: (text) => process.stderr.write(`atmqtt sim: ${text}\n`),
    onClose: (why) => linkClosed(why),
  });
  try {
    await link.open();
  } catch (e) {
    const message = e instanceof UartOpenError ? e.message : `--uart ${args.uart}: ${(e as Error).message}`;
    emit({ event: 'error', code: 'uart', message });
    process.exit(2);
  }
  return link;
}

/** `fault NAME` on stdin: the modem emulator's fault, acknowledged or refused by name. */
function injectFault(modem: ModemEmulator, name: string | undefined): void {
  try {
    modem.fault(name ?? '');
    emit({ event: 'fault', name });
  } catch (e) {
    emit({ event: 'error', code: 'bad-argument', message: String(e) });
  }
}

/** `atmqtt sim --board NAME`: the same commands and events, the image inside its CPU's emulator. */
async function prepareBoard(name: keyof typeof BOARDS): Promise<BoardEmulator> {
  let board: BoardEmulator;
  try {
    board = await loadBoard(name);
  } catch (e) {
    emit({ event: 'error', code: 'internal', message: `--board ${name}: cannot load its description: ${(e as Error).message}` });
    process.exit(1);
  }
  const missing = missingTools(board);
  if (missing) { emit({ event: 'error', code: 'missing-tool', message: missing }); process.exit(2); }
  // in a user project: the image atmqtt build --board made of its app
  const root = userProject();
  if (root !== null) {
    const artifact = path.join(root, 'build', name, path.basename(board.artifact));
    if (mtime(artifact) === 0) { emit({ event: 'error', code: 'bad-argument', message: `${artifact}: missing: run atmqtt build --board ${name} first` }); process.exit(2); }
    if (mtime(artifact) < mtime(path.join(root, APP_SOURCE))) process.stderr.write(`atmqtt sim: ${artifact} is older than ${APP_SOURCE}: run atmqtt build --board ${name} to run your latest app\n`);
    return { ...board, artifact };
  }
  const built = ensureBuilt(board, (s) => process.stderr.write(`${s}\n`));
  if (built) { emit({ event: 'error', code: 'build-failed', message: built }); process.exit(1); }
  return board;
}

async function boardMain(args: Args, board: BoardEmulator, url: string, broker: EmbeddedBroker | undefined): Promise<void> {
  const run = new BoardRun({
    board, modem: args.modem as ModemKind, config: { ...args.config, url }, trace: args.trace,
    rxFifo: args.rxFifo, ca: args.ca, apSsid: args.apSsid, apPassword: args.apPassword,
    secrets: secretsOf(args), emit, eventLine, messageEvent,
    ...(userProject() !== null && board.profile === 'small' ? { logMap: appProfile(userProject()!, PROFILES.small).logMap } : {}),
  });
  await run.start();
  const finish = async (drain: boolean): Promise<never> => {
    await run.finish(drain);
    await broker?.close();
    process.exit(process.exitCode ?? 0);
  };
  process.on('SIGINT', () => void finish(false));
  process.on('SIGTERM', () => void finish(false));
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [cmd, ...rest] = line.split(/\s+/);
    switch (cmd) {
      // the board's console takes these as they are (board/CONSOLE.md)
      case 'sub': case 'unsub': case 'pub': case 'disconnect': case 'connect': case 'stats': case 'set': run.send(line); break;
      case 'wait': await sleep(Number(rest[0] ?? 0)); break;
      case 'drop': run.modem.fault('pdp-deact'); break;
      case 'fault': injectFault(run.modem, rest[0]); break;
      case 'quit': await finish(false); break;
      default: emit({ event: 'error', code: 'bad-argument', message: `unknown command ${cmd}` });
    }
  }
  if (!args.stay) await finish(true);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  emit({ event: 'error', code: 'internal', message: String(e) });
  process.exit(1);
});
