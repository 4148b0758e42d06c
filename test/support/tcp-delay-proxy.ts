import { AddressInfo, createConnection, createServer, Socket } from 'node:net';

/**
 * A TCP proxy that delays every chunk client→server by `delayMs` (order kept): a slow network
 * to PostgreSQL for one process, so that its transactions take longer than everyone else's.
 */
export async function startTcpDelayProxy(targetHost: string, targetPort: number, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client).add(upstream);
    let last = 0;
    client.on('data', (chunk) => {
      const due = Math.max(Date.now() + delayMs, last);
      last = due;
      setTimeout(() => upstream.writable && upstream.write(chunk), due - Date.now());
    });
    upstream.on('data', (chunk) => client.writable && client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
