// `atmqtt demo` (what `npm start` runs): the embedded broker, three
// simulated devices on different emulated modems at 115200 baud (SIM800 and
// SIM900 over mqtt://, ESP-AT over ws://), each running the firmware's
// telemetry app, and the dashboard page. All in this one process, so
// Ctrl-C leaves nothing behind.
import { NodeHost, errorName, type Config } from '../board/node/host.ts';
import { startBroker, type EmbeddedBroker } from './broker.ts';
import { serveDashboard, type DashboardDevice } from './dashboard.ts';
import { createModem, traceLog, type ModemEmulator, type ModemKind } from './modem/index.ts';
import { feedReadings } from './sensor.ts';

export interface DemoOptions {
  /** another broker for the devices (mqtt:// or ws://); default: the embedded one */
  broker?: string;
  /** that broker's WebSocket URL for the page (needed with an mqtt:// --broker) */
  brokerWs?: string;
  port?: number;
  telemetryS: number;
  keepaliveS: number;
  trace: boolean;
  out(line: string): void;
}

interface Device {
  info: DashboardDevice;
  host: NodeHost;
  emu: ModemEmulator;
  feed?: NodeJS.Timeout;
}

const PLAN: { kind: ModemKind; ws: boolean }[] = [
  { kind: 'sim800', ws: false },
  { kind: 'sim900', ws: false },
  { kind: 'esp-at', ws: true },
];

export async function runDemo(o: DemoOptions): Promise<() => Promise<void>> {
  let broker: EmbeddedBroker | undefined;
  let tcpUrl = o.broker;
  let wsUrl = o.brokerWs ?? (o.broker?.startsWith('ws') ? o.broker : undefined);
  if (o.broker === undefined) {
    broker = await startBroker();
    tcpUrl = broker.url;
    wsUrl = broker.wsUrl;
  }
  if (wsUrl === undefined) throw new Error('--broker mqtt://… needs --broker-ws ws://host:port/path for the page');
  const stamp = (): string => new Date().toTimeString().slice(0, 8);
  const devices: Device[] = PLAN.map(({ kind, ws }, i) => {
    const id = `atmqtt-${kind}`;
    const url = ws && broker ? broker.wsUrl : tcpUrl!;
    const emu = createModem({
      kind, baud: 115200, apn: 'internet', ssid: 'atmqtt-wifi', wifiPassword: 'atmqtt-pass', seed: i + 1,
      log: o.trace ? traceLog((line) => process.stderr.write(`${id} ${line}\n`)) : undefined,
    });
    const config: Config = {
      url, client_id: id, link: kind, baud: 115200, keepalive: o.keepaliveS, telemetry_s: o.telemetryS,
      ...(kind === 'esp-at' ? { ssid: 'atmqtt-wifi', wifi_password: 'atmqtt-pass' } : { apn: 'internet' }),
    };
    const transport = url.split(':')[0]!;
    const tag = `${id} (${kind}, ${transport})`;
    const host = new NodeHost({
      uart: emu, config,
      onEvent: (e) => {
        if (e.event === 'connected') o.out(`[${stamp()}] ${tag} connected`);
        else if (e.event === 'disconnected') o.out(`[${stamp()}] ${tag} disconnected: ${e.reason}`);
        else if (e.event === 'error') o.out(`[${stamp()}] ${tag} ${e.code}: ${e.message}`);
      },
      onLog: (level, text) => { if (o.trace || level <= 1) process.stderr.write(`${id}: ${text}\n`); },
    });
    const r = host.setup();
    if (r !== 0) throw new Error(`${id}: setup refused the configuration: ${errorName(r)}`);
    return { info: { id, modem: kind, transport }, host, emu };
  });
  const dash = await serveDashboard({
    wsUrl, keepalive: o.keepaliveS, port: o.port,
    devices: devices.map((d) => d.info),
    network: (id, cut) => {
      const d = devices.find((x) => x.info.id === id);
      if (!d) return false;
      // an outage: nothing passes, nothing is closed; the broker finds out by keep alive
      d.emu.fault(cut ? 'outage' : 'clear');
      o.out(`[${stamp()}] ${id} network ${cut ? 'cut' : 'restored'}`);
      return true;
    },
  });
  // the page's address is the first thing a person sees
  o.out(`atmqtt dashboard: ${dash.url}`);
  o.out(`broker ${tcpUrl} and ${wsUrl}; devices ${devices.map((d) => d.info.id).join(', ')}; telemetry every ${o.telemetryS} s, keep alive ${o.keepaliveS} s; Ctrl-C stops everything`);
  devices.forEach((d, i) => {
    d.host.start();
    d.feed = feedReadings(d.host, i + 1);
  });
  return async () => {
    for (const d of devices) {
      clearInterval(d.feed);
      d.host.stop();
      d.emu.close();
    }
    await dash.close();
    await broker?.close();
  };
}
