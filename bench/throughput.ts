// Throughput benchmark: QoS 0/1 publishes from the firmware (under V8 and
// under wasm3) and from mqtt.js, to the same embedded aedes broker, in one
// run, over TCP and over TLS (a Node TLS server in front of the same aedes,
// with a throwaway CA). Prints figures and ratios; it never fails on timing.
import tls from 'node:tls';
import type net from 'node:net';
import mqtt from 'mqtt';
import { NodeHost } from '../board/node/host.ts';
import { startBroker } from '../sim/broker.ts';
import { tlsCerts } from '../tests/helpers/tls-certs.ts';

const N = Number(process.env.BENCH_N ?? 2000);
const PAYLOAD = 'x'.repeat(64);

const certs = tlsCerts();

async function firmware(url: string, runtime: 'v8' | 'wasm3', qos: number): Promise<number> {
  let published = 0;
  let connected = false;
  const host = new NodeHost({
    runtime,
    ca: certs.ca.certPem,
    config: { url, client_id: `bench-${runtime}-${qos}` },
    onEvent: (e) => {
      if (e.event === 'connected') connected = true;
      if (e.event === 'published') published++;
    },
  });
  host.setup();
  host.start();
  while (!connected) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  let sent = 0;
  const deadline = Date.now() + 120_000;
  while (published < N && Date.now() < deadline) {
    while (sent < N && host.pending() < 16 && host.publish('bench/fw', PAYLOAD, qos, false) >= 0) sent++;
    await new Promise((r) => setImmediate(r));
  }
  const ms = performance.now() - t0;
  host.disconnect();
  await new Promise((r) => setTimeout(r, 50));
  host.stop();
  return (published / ms) * 1000;
}

async function mqttjs(url: string, qos: 0 | 1): Promise<number> {
  const c = await mqtt.connectAsync(url, { clientId: `bench-mqttjs-${qos}`, ca: certs.ca.certPem });
  const t0 = performance.now();
  // the same window as the firmware: 16 outstanding
  let next = 0;
  const worker = async () => { while (next < N) { next++; await c.publishAsync('bench/js', PAYLOAD, { qos }); } };
  await Promise.all(Array.from({ length: 16 }, worker));
  const ms = performance.now() - t0;
  await c.endAsync();
  return (N / ms) * 1000;
}

const broker = await startBroker(0, 0);
const secure = tls.createServer({ key: certs.server.keyPem, cert: certs.server.certPem }, (s) => broker.aedes.handle(s as unknown as net.Socket));
await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
const tlsUrl = `mqtts://localhost:${(secure.address() as net.AddressInfo).port}`;
const rows: [string, number, number, number][] = [];
for (const [name, url] of [['', broker.url], [' over TLS', tlsUrl]]) {
  for (const qos of [0, 1] as const) {
    const js = await mqttjs(url, qos);
    const v8 = await firmware(url, 'v8', qos);
    const w3 = await firmware(url, 'wasm3', qos);
    rows.push([`QoS ${qos}${name}`, js, v8, w3]);
  }
}
secure.close();
await broker.close();
console.log(`# ${N} publishes of 64 bytes to the embedded aedes, 16 outstanding, messages/s`);
console.log('| | mqtt.js | atmqtt on V8 | atmqtt on wasm3 | V8 / mqtt.js | wasm3 / mqtt.js |');
console.log('|---|---|---|---|---|---|');
for (const [name, js, v8, w3] of rows) {
  console.log(`| ${name} | ${js.toFixed(0)} | ${v8.toFixed(0)} | ${w3.toFixed(0)} | ${(v8 / js).toFixed(2)} | ${(w3 / js).toFixed(2)} |`);
}
process.exit(0);
