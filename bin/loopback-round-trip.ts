import { once } from 'node:events';
import net from 'node:net';

/**
 * `node dist/bin/loopback-round-trip.js [count]`: the CPU one small loopback TCP round
 * trip costs this machine in Node (write and read on both ends, one process), i.e. the floor of
 * every PostgreSQL, Redis and SQS call an order makes.
 */
async function main(count: number): Promise<void> {
  const server = net.createServer((socket) => socket.on('data', (data) => socket.write(data))).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1').setNoDelay(true);
  await once(client, 'connect');
  const payload = Buffer.alloc(100, 1);
  const cpuBefore = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  let done = 0;
  await new Promise<void>((finish) => {
    client.on('data', () => (++done < count ? client.write(payload) : finish()));
    client.write(payload);
  });
  const cpu = process.cpuUsage(cpuBefore);
  const wallUs = Number(process.hrtime.bigint() - startedAt) / 1000;
  const each = (us: number) => (us / count).toFixed(1);
  process.stdout.write(`${count} round trips: ${each(cpu.user + cpu.system)} µs CPU each (user ${each(cpu.user)}, system ${each(cpu.system)}), ${each(wallUs)} µs wall\n`);
  client.destroy();
  server.close();
}

main(Number(process.argv[2] ?? 20_000)).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
});
