// The embedded broker: aedes in this process, so the simulator runs on a
// machine with nothing else installed.
import net from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => { server.off('listening', onListening); reject(e); };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Starts aedes on 127.0.0.1:port, or on a free port when that one is taken. */
export async function startBroker(port = 1883): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  let bound: number;
  try {
    bound = await listen(server, port);
  } catch {
    bound = await listen(server, 0);
  }
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.close();
      aedes.close(() => resolve());
    }),
  };
}
