// The embedded broker: aedes in this process, over TCP and over WebSocket
// (path /mqtt), so the simulator runs on a machine with nothing else
// installed and browsers can join through the same broker.
import net from 'node:net';
import http from 'node:http';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

export interface EmbeddedBroker {
  url: string;
  port: number;
  wsUrl: string;
  wsPort: number;
  aedes: Aedes;
  close(): Promise<void>;
}

function listen(server: net.Server | http.Server, port: number): Promise<number> {
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

/** Listens on the port asked for, or on a free one when it is taken (or 0). */
async function listenOrAny(server: net.Server | http.Server, port: number): Promise<number> {
  try {
    return await listen(server, port);
  } catch {
    return listen(server, 0);
  }
}

/** Starts aedes on 127.0.0.1: TCP on port, WebSocket on wsPort at /mqtt. */
export async function startBroker(port = 1883, wsPort = 8080): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const httpServer = http.createServer((_req, res) => { res.writeHead(404); res.end(); });
  const bound = await listenOrAny(server, port);
  const wsBound = await listenOrAny(httpServer, wsPort);
  // attached once bound: a WebSocketServer re-throws its server's listen errors
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/mqtt',
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  wss.on('connection', (socket, req) => {
    aedes.handle(createWebSocketStream(socket) as unknown as net.Socket, req);
  });
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    wsUrl: `ws://127.0.0.1:${wsBound}/mqtt`,
    wsPort: wsBound,
    aedes,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.close();
      httpServer.close();
      aedes.close(() => resolve());
    }),
  };
}
