// A TCP proxy that adds latency, as a GPRS link does: every chunk goes on
// rttMs / 2 after it arrived, in order, in both directions. It sits between
// the modem emulator's real TCP side and the broker, so no emulator is
// changed. With rttMs 0 it forwards at once.
import net from 'node:net';

export interface DelayProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function delayProxy(target: { host: string; port: number }, rttMs: number, scheme = 'mqtt'): Promise<DelayProxy> {
  const half = rttMs / 2;
  const socks = new Set<net.Socket>();
  const pipe = (from: net.Socket, to: net.Socket): void => {
    let last = 0; // when the previous chunk goes out: order is kept
    from.on('data', (d) => {
      if (half <= 0) { to.write(d); return; }
      const at = Math.max(performance.now() + half, last);
      last = at;
      setTimeout(() => { if (!to.destroyed) to.write(d); }, at - performance.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - performance.now())));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, last - performance.now()) + 1));
  };
  const server = net.createServer((client) => {
    const up = net.connect(target.port, target.host);
    socks.add(client); socks.add(up);
    client.on('close', () => socks.delete(client));
    up.on('close', () => socks.delete(up));
    client.setNoDelay(true); up.setNoDelay(true);
    pipe(client, up);
    pipe(up, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    close: () => new Promise((r) => { for (const s of socks) s.destroy(); server.close(() => r()); }),
  };
}
