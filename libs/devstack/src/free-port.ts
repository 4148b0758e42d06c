import { createServer, type AddressInfo } from 'node:net';

// Ports handed out by this process. The OS may return a just-released port again,
// so parallel callers (primary, replica, redis, sqs) could otherwise collide.
const handedOut = new Set<number>();

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it: bind to port 0). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
