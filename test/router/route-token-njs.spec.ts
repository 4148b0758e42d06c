import { EchoUpstream, startEchoUpstream } from '../support/echo-upstream';
import { RenderedRouter, startRenderedRouter } from '../support/rendered-router';
import { RouteTokenKey, signRouteToken } from '@orderflow/release/route-token';

/** The njs verifier in real nginx against tokens made by the TypeScript signer (route-token.ts). */
describe('route token verification in nginx (njs)', () => {
  const current: RouteTokenKey = { id: 'k2', secret: 'a-current-secret-of-at-least-32-chars!' };
  const previous: RouteTokenKey = { id: 'k1', secret: 'the-previous-secret-still-verifying-ok' };
  const stranger: RouteTokenKey = { id: 'k2', secret: 'not-the-routers-secret-but-as-long-as-it' };
  const inAMinute = () => Math.floor(Date.now() / 1000) + 60;
  let stable: EchoUpstream;
  let candidate: EchoUpstream;
  let router: RenderedRouter;

  const routing = () => ({
    instances: [
      { service: 'api', version: '1.0.0', address: stable.address, instanceId: 'stable-1' },
      { service: 'api', version: '2.0.0', address: candidate.address, instanceId: 'candidate-1' },
    ],
    stableApiVersion: '1.0.0',
  });

  beforeAll(async () => {
    stable = await startEchoUpstream('stable');
    candidate = await startEchoUpstream('candidate');
    router = await startRenderedRouter([current, previous], routing());
  });
  afterAll(async () => {
    await router?.stop();
    await Promise.all([stable?.close(), candidate?.close()]);
  });

  const reached = async (headers: Record<string, string>) => {
    const response = await fetch(`${router.url}/v1/anything`, { headers });
    expect(response.status).toBe(200);
    return response.text();
  };
  const token = (key: RouteTokenKey, version: string, expiresAt = inAMinute()) =>
    signRouteToken([key], 'cust-1', { api: version, worker: '1.0.0' }, expiresAt);

  it('routes a valid token in the Orderflow-Route header or the cookie to the version it names', async () => {
    expect(await reached({ 'Orderflow-Route': token(current, '2.0.0') })).toBe('candidate');
    expect(await reached({ Cookie: `other=1; orderflow_route=${token(current, '2.0.0')}` })).toBe('candidate');
    expect(await reached({ 'Orderflow-Route': token(current, '1.0.0') })).toBe('stable');
  });

  it('accepts every configured key (rotation), not only the signing one', async () => {
    expect(await reached({ 'Orderflow-Route': token(previous, '2.0.0') })).toBe('candidate');
  });

  it('sends no token, a forged, tampered, expired or malformed one to stable', async () => {
    const good = token(current, '2.0.0');
    const [payload, signature] = good.split('.');
    const tampered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(token(current, '1.0.0').split('.')[0], 'base64url').toString()), v: { api: '2.0.0' } }),
    ).toString('base64url');
    const cases: Record<string, Record<string, string>> = {
      none: {},
      'signed with another secret': { 'Orderflow-Route': token(stranger, '2.0.0') },
      'payload changed, signature kept': { 'Orderflow-Route': `${tampered}.${token(current, '1.0.0').split('.')[1]}` },
      'signature of another token': { 'Orderflow-Route': `${payload}.${token(current, '1.0.0').split('.')[1]}` },
      expired: { 'Orderflow-Route': token(current, '2.0.0', Math.floor(Date.now() / 1000) - 1) },
      'unknown key id': { 'Orderflow-Route': token({ id: 'k9', secret: current.secret }, '2.0.0') },
      'no signature': { 'Orderflow-Route': payload },
      'three parts': { 'Orderflow-Route': `${good}.${signature}` },
      'not base64url': { 'Orderflow-Route': `${payload}!.${signature}` },
      'payload not JSON': { 'Orderflow-Route': `bm90IGpzb24.${signature}` },
      'cookie forged': { Cookie: `orderflow_route=${payload}.${signature.slice(0, -2)}xx` },
    };
    for (const [name, headers] of Object.entries(cases)) {
      expect({ name, reached: await reached(headers) }).toEqual({ name, reached: 'stable' });
    }
  });

  it('the header wins over the cookie (a storefront server speaks for its customer)', async () => {
    expect(await reached({ 'Orderflow-Route': token(current, '1.0.0'), Cookie: `orderflow_route=${token(current, '2.0.0')}` })).toBe('stable');
  });

  it('sends a version without a live instance, or an aborted one, to stable', async () => {
    expect(await reached({ 'Orderflow-Route': token(current, '3.0.0') })).toBe('stable');
    await router.route({ ...routing(), abortedApiVersions: ['2.0.0'] });
    expect(await reached({ 'Orderflow-Route': token(current, '2.0.0') })).toBe('stable');
    await router.route(routing());
    expect(await reached({ 'Orderflow-Route': token(current, '2.0.0') })).toBe('candidate');
  });

  it('logs the routed version and upstream as JSON, never the token', async () => {
    const good = token(current, '2.0.0');
    await reached({ 'Orderflow-Route': good, 'X-Request-Id': 'log-check-1' });
    const [line] = await router.accessLogLines('log-check-1', 1);
    expect(line).toMatchObject({ version: '2.0.0', status: 200, upstream: candidate.address, upstream_status: '200', method: 'GET' });
    expect(JSON.stringify(router.accessLog())).not.toContain(good.split('.')[1]);
  });
});
