import { createHmac } from 'node:crypto';
import { parseRouteTokenKeys, signRouteToken, verifyRouteToken } from './route-token';

const current = { id: 'k2', secret: 'b'.repeat(40) };
const previous = { id: 'k1', secret: 'a'.repeat(40) };
const NOW = 1_800_000_000;
const versions = { api: '2.0.0', worker: '1.4.0', reporting: '1.4.0' };

describe('route tokens', () => {
  it('round-trips the customer, versions, expiry and key id', () => {
    const token = signRouteToken([current, previous], 'cust-1', versions, NOW + 60);
    expect(verifyRouteToken([current, previous], token, NOW)).toEqual({
      ok: true,
      claims: { customerId: 'cust-1', versions, expiresAt: NOW + 60, keyId: 'k2' },
    });
  });

  it('uses the documented format: base64url JSON payload, HMAC-SHA256 of the payload string, no padding', () => {
    const token = signRouteToken([current], 'cust-1', { api: '2.0.0' }, NOW + 60);
    const [payload, sig] = token.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ c: 'cust-1', v: { api: '2.0.0' }, exp: NOW + 60, k: 'k2' });
    expect(sig).toBe(createHmac('sha256', current.secret).update(payload).digest('base64url'));
    expect(token).not.toContain('=');
  });

  it('keeps verifying tokens signed with a key that was rotated out of first place', () => {
    const old = signRouteToken([previous], 'cust-1', versions, NOW + 60);
    expect(verifyRouteToken([current, previous], old, NOW)).toMatchObject({ ok: true, claims: { keyId: 'k1' } });
  });

  it('rejects a token whose key was removed', () => {
    const old = signRouteToken([previous], 'cust-1', versions, NOW + 60);
    expect(verifyRouteToken([current], old, NOW)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('rejects a forged token: changed payload, wrong secret, or the signature of another token', () => {
    const token = signRouteToken([current], 'cust-1', { api: '1.0.0' }, NOW + 60);
    const [, sig] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ c: 'cust-1', v: { api: '2.0.0' }, exp: NOW + 60, k: 'k2' })).toString('base64url');
    expect(verifyRouteToken([current], `${forgedPayload}.${sig}`, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const wrongSecret = signRouteToken([{ id: 'k2', secret: 'c'.repeat(40) }], 'cust-1', { api: '2.0.0' }, NOW + 60);
    expect(verifyRouteToken([current], wrongSecret, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyRouteToken([current], `${token.split('.')[0]}.${sig.slice(0, -2)}`, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects an expired token, at the second of expiry', () => {
    const token = signRouteToken([current], 'cust-1', versions, NOW + 60);
    expect(verifyRouteToken([current], token, NOW + 59).ok).toBe(true);
    expect(verifyRouteToken([current], token, NOW + 60)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['empty', ''],
    ['no signature', 'abc'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'a+b.c/d'],
    ['not JSON', `${Buffer.from('{oops').toString('base64url')}.sig`],
    ['missing expiry', `${Buffer.from(JSON.stringify({ c: 'x', v: {}, k: 'k2' })).toString('base64url')}.sig`],
    ['unknown service', `${Buffer.from(JSON.stringify({ c: 'x', v: { db: '1' }, exp: NOW + 9, k: 'k2' })).toString('base64url')}.sig`],
    ['bad version', `${Buffer.from(JSON.stringify({ c: 'x', v: { api: 'a b' }, exp: NOW + 9, k: 'k2' })).toString('base64url')}.sig`],
  ])('rejects a malformed token (%s)', (_, token) => {
    expect(verifyRouteToken([current], token, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('ROUTE_TOKEN_KEYS', () => {
  it('parses keys in order, the first being the signing key', () => {
    expect(parseRouteTokenKeys(`k2:${current.secret},k1:${previous.secret}`)).toEqual({ keys: [current, previous], problems: [] });
  });

  it('names every bad entry without echoing a secret', () => {
    const { problems } = parseRouteTokenKeys('nocolon,bad id:' + 'x'.repeat(40) + ',short:tooshort-secret,k1:' + 'a'.repeat(40) + ',k1:' + 'b'.repeat(40));
    expect(problems).toEqual([
      'entry 1 is not <key id>:<secret>',
      'entry 2: the key id must be 1..32 chars of [A-Za-z0-9_-]',
      'key short: the secret must be at least 32 characters',
      'key k1: appears twice',
    ]);
    expect(problems.join()).not.toContain('tooshort-secret');
  });
});
