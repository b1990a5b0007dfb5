// Serves the dashboard page (dashboard/), mqtt.js's browser bundle from
// the npm package, the page's configuration, and the switch that cuts and
// restores a simulated device's network.
import http from 'node:http';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PAGE_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));
const MQTT_BUNDLE = path.join(path.dirname(createRequire(import.meta.url).resolve('mqtt/package.json')), 'dist/mqtt.min.js');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export interface DashboardDevice {
  id: string;
  modem: string;
  /** how it reaches the broker: mqtt:// or ws:// */
  transport: string;
}

export interface DashboardOptions {
  /** the broker's WebSocket URL the page connects to */
  wsUrl: string;
  /** the page's own MQTT keep alive, seconds: its indicator turns red within 1.5 × this */
  keepalive: number;
  devices: DashboardDevice[];
  /** cut (true) or restore (false) a simulated device's network; false when unknown */
  network?: (id: string, cut: boolean) => boolean;
  port?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

export async function serveDashboard(o: DashboardOptions): Promise<Dashboard> {
  const config = JSON.stringify({ wsUrl: o.wsUrl, keepalive: o.keepalive, devices: o.devices, controls: o.network !== undefined });
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => { res.writeHead(500); res.end(); });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/devices\/([^/]+)\/network$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      let cut: unknown;
      try { cut = (JSON.parse(body) as { cut?: unknown }).cut; } catch { cut = undefined; }
      const id = decodeURIComponent(m[1]!);
      if (typeof cut !== 'boolean' || !o.network || !o.network(id, cut)) {
        res.writeHead(typeof cut !== 'boolean' ? 400 : 404, { 'content-type': 'text/plain' });
        res.end(typeof cut !== 'boolean' ? 'want {"cut": true|false}' : `no simulated device ${id}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, cut }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405); res.end(); return; }
    if (url.pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(config);
      return;
    }
    const file = url.pathname === '/vendor/mqtt.min.js' ? MQTT_BUNDLE
      : path.join(PAGE_DIR, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname).replace(/^([/\\])+/, ''));
    if (file !== MQTT_BUNDLE && !file.startsWith(PAGE_DIR)) { res.writeHead(404); res.end(); return; }
    let data: Buffer;
    try { data = await readFile(file); } catch { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  const port = await new Promise<number>((resolve, reject) => {
    const tryListen = (p: number): void => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE' && p !== 0) tryListen(0); else reject(e);
      });
      server.listen(p, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    };
    tryListen(o.port ?? 8000);
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
