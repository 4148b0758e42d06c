import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoUpstream {
  name: string;
  address: string;
  /** Requests answered so far. */
  hits: number;
  close(): Promise<void>;
}

/**
 * A stand-in HTTP instance that answers its own name (body and `X-Upstream` header): enough to
 * see where nginx routed a request when the app behind it does not matter.
 */
export async function startEchoUpstream(name: string): Promise<EchoUpstream> {
  const upstream = { name, address: '', hits: 0 } as EchoUpstream;
  const server: Server = createServer((req, res) => {
    upstream.hits += 1;
    req.resume();
    req.on('end', () => {
      res.setHeader('X-Upstream', name);
      res.end(name);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return upstream;
}
