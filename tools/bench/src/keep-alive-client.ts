import net from 'node:net';

export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * The load generator's HTTP/1.1 client for the measured requests: one keep-alive socket per
 * closed-loop client, the request written as one preformatted string, the answer parsed only as
 * far as status line and Content-Length. It exists because the generator shares the cores with
 * what it measures: node:http's agent, header objects and streams cost it about as much CPU per
 * request as a quarter of the API's (docs/benchmarks.md), this a fraction of it. The API always
 * answers with Content-Length (Fastify); anything else fails the request loudly.
 */
export class KeepAliveClient {
  private readonly connections: Connection[];
  private readonly headerBlock: string;

  constructor(
    private readonly url: URL,
    apiKey: string,
    connections: number,
    private readonly timeoutMs = 10_000,
  ) {
    this.headerBlock = `Host: ${url.host}\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\n`;
    this.connections = Array.from({ length: connections }, () => new Connection(url, timeoutMs));
  }

  /** One request on client `lane`'s socket (each lane sends one request at a time). */
  request(lane: number, method: string, path: string, body?: string): Promise<RawAnswer> {
    const length = body === undefined ? 0 : Buffer.byteLength(body);
    const head = `${method} ${path} HTTP/1.1\r\n${this.headerBlock}Content-Length: ${length}\r\n\r\n`;
    return this.connections[lane % this.connections.length].send(body === undefined ? head : head + body);
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }
}

class Connection {
  private socket?: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (answer: RawAnswer) => void; reject: (error: Error) => void };

  constructor(
    private readonly url: URL,
    private readonly timeoutMs: number,
  ) {}

  send(request: string): Promise<RawAnswer> {
    if (this.pending) return Promise.reject(new Error('one request at a time per connection'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.connect().write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = net.connect({ host: this.url.hostname, port: Number(this.url.port), noDelay: true });
    socket.setTimeout(this.timeoutMs, () => this.fail(socket, Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(socket, error));
    socket.on('close', () => this.fail(socket, Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })));
    this.buffer = Buffer.alloc(0);
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!lengthMatch) return this.fail(this.socket!, new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
    const end = headerEnd + 4 + Number(lengthMatch[1]);
    if (this.buffer.length < end) return;
    const body = this.buffer.toString('utf8', headerEnd + 4, end);
    this.buffer = this.buffer.subarray(end);
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ status, body });
  }

  private fail(socket: net.Socket, error: Error): void {
    if (socket !== this.socket) return;
    this.close();
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
