import { DynamicModule } from '@nestjs/common';
import { once } from 'node:events';
import net from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LoggerModule } from 'nestjs-pino';
import { createHttpApp, loggerParams } from '@orderflow/http/http-app';
import { isTransientError } from '@orderflow/orders/order-errors';
import { ApiModule } from '../../apps/api/src/api.module';
import { startTestStack, TestStack } from '../support/test-stack';
import { HttpRequest, httpClient } from '../support/http-client';
import { eventuallyValue } from '../support/eventually';

/** The JSON lines the app wrote, parsed; pino writes synchronously to a plain `write` stream. */
class LogCapture {
  readonly lines: Record<string, any>[] = [];
  readonly raw: string[] = [];

  write(line: string): void {
    this.raw.push(line);
    this.lines.push(JSON.parse(line));
  }

  /** The access log lines of one request id; waits for them because the line is written on 'finish'. */
  async requestLines(id: string): Promise<Record<string, any>[]> {
    return eventuallyValue(`a log line for request ${id}`, async () => this.lines.filter((line) => line.req?.id === id), (found) => found.length > 0, 2000, 10);
  }
}

/** The real API module, with its logger writing to `capture` instead of stdout. */
function apiModuleLoggingTo(stack: TestStack, capture: LogCapture): DynamicModule {
  const config = stack.config({ LOG_LEVEL: 'debug' });
  const module = ApiModule.forConfig(config);
  const imports = module.imports ?? [];
  const index = imports.findIndex((imported) => (imported as DynamicModule).module === LoggerModule);
  if (index < 0) throw new Error('ApiModule no longer imports LoggerModule.forRoot: update this test');
  return { ...module, imports: imports.map((imported, i) => (i === index ? LoggerModule.forRoot(loggerParams(config, 'api', capture)) : imported)) };
}

describe('request logging', () => {
  let stack: TestStack;
  let app: NestFastifyApplication;
  let capture: LogCapture;
  let url: string;
  let key: string;
  let writer: HttpRequest;

  beforeAll(async () => {
    stack = await startTestStack();
    capture = new LogCapture();
    app = await createHttpApp(apiModuleLoggingTo(stack, capture), stack.config(), isTransientError);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    key = await stack.createKey(['orders:write', 'orders:read']);
    writer = httpClient(url, key);
  });

  afterAll(async () => {
    await app?.close();
    await stack?.stop();
  });

  it('logs each request with its request id and never the API key, even at debug level', async () => {
    const order = { customerId: 'log-cust', clientOrderId: 'log-1', currency: 'EUR', items: [{ sku: 'A', quantity: 1, unitPriceCents: 100 }] };
    const placed = await writer('POST', '/v1/orders', order, { 'x-request-id': 'log-req-1' });
    expect(placed.status).toBe(201);
    const badKey = 'of_this-key-is-unknown-and-must-not-be-logged';
    const refused = await httpClient(url, badKey)('GET', '/v1/orders/x', undefined, { 'x-request-id': 'log-req-2' });
    expect(refused.status).toBe(401);

    const [completed] = await capture.requestLines('log-req-1');
    expect(completed).toMatchObject({ app: 'api', req: { id: 'log-req-1', method: 'POST', url: '/v1/orders' }, res: { statusCode: 201 }, responseTime: expect.any(Number), msg: 'request completed' });
    expect((await capture.requestLines('log-req-2'))[0]).toMatchObject({ res: { statusCode: 401 } });

    const everything = capture.raw.join('');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(badKey);
    expect(everything).not.toMatch(/bearer/i);
  });

  it("writes Nest's own log lines through the same JSON logger", () => {
    expect(capture.lines).toContainEqual(expect.objectContaining({ app: 'api', context: 'NestApplication', msg: 'Nest application successfully started' }));
  });

  it('logs a request whose client hung up before it was answered as aborted', async () => {
    // Half a body: the server cannot answer until the rest arrives, so the hang-up (delivered
    // after the bytes written before it) always comes first.
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    const head = ['POST /v1/orders HTTP/1.1', 'host: x', `authorization: Bearer ${key}`, 'content-type: application/json', 'content-length: 100', 'x-request-id: log-req-abort'];
    socket.write([...head, '', '{"customerId":'].join('\r\n'), () => socket.destroy());

    const [aborted] = await capture.requestLines('log-req-abort');
    expect(aborted).toMatchObject({ app: 'api', level: 40, msg: 'request aborted', req: { id: 'log-req-abort', method: 'POST', url: '/v1/orders' } });
    expect(aborted.res).toBeUndefined();
  });

  it('does not log health probes and metric scrapes', async () => {
    const anonymous = httpClient(url);
    expect((await anonymous('GET', '/health/live')).status).toBe(200);
    expect((await anonymous('GET', '/health/ready')).status).toBe(200);
    expect((await anonymous('GET', '/metrics?format=text')).status).toBe(200);
    // A logged request after them: once its line is there, theirs would be too.
    await writer('GET', '/v1/customers/log-cust/orders/log-1', undefined, { 'x-request-id': 'log-req-3' });
    await capture.requestLines('log-req-3');

    const urls = capture.lines.filter((line) => line.req).map((line) => line.req.url as string);
    expect(urls).toContain('/v1/customers/log-cust/orders/log-1');
    expect(urls.filter((logged) => /^\/(health|metrics)/.test(logged))).toEqual([]);
  });
});
