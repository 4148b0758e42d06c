import http from 'node:http';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How the proxy treats the n-th request (0-based): forward it, answer it itself, or never answer. */
export type ProxyAction = { kind: 'forward' } | { kind: 'answer'; status: number; headers?: Record<string, string>; body: string } | { kind: 'hang' };

/**
 * An HTTP proxy in front of a real app that injects faults (an error answer, a request that is
 * never answered) and records what reached it, to test a client's retries against the real thing.
 */
export async function startFaultProxy(target: string, plan: (index: number, request: ProxiedRequest) => ProxyAction) {
  const seen: ProxiedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const action = plan(seen.length, request);
      seen.push(request);
      if (action.kind === 'hang') return void hanging.add(res);
      if (action.kind === 'answer') return void res.writeHead(action.status, action.headers).end(action.body);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: request.body || undefined });
      res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name))));
      res.end(await answer.text());
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    close: async () => {
      hanging.forEach((res) => res.destroy());
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}
