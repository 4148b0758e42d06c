import { iamAuthTokenProvider, TOKEN_REUSE_MS } from './iam-auth-token';

const target = { hostname: 'orderflow.cluster-abc.eu-west-1.rds.amazonaws.com', port: 5432, username: 'orderflow_app', region: 'eu-west-1' };

describe('IAM auth tokens for new connections', () => {
  it('signs a real RDS token locally (no network), valid 15 minutes, for the configured host, port and user', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    let token: string;
    try {
      token = await iamAuthTokenProvider(target)();
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const url = new URL(`https://${token}`);
    expect(url.host).toBe(`${target.hostname}:5432`);
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('orderflow_app');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
  });

  it('reuses a token for 10 minutes, then signs a new one before the 15-minute expiry', async () => {
    let clock = 0;
    let signed = 0;
    const token = iamAuthTokenProvider(target, { now: () => clock, sign: async () => `token-${++signed}` });
    expect(await Promise.all([token(), token()])).toEqual(['token-1', 'token-1']);
    clock = TOKEN_REUSE_MS - 1;
    expect(await token()).toBe('token-1');
    clock = TOKEN_REUSE_MS;
    expect(await token()).toBe('token-2');
    expect(TOKEN_REUSE_MS).toBeLessThan(15 * 60_000);
  });

  it('does not keep a failed signing: the next connection tries again', async () => {
    let attempt = 0;
    const token = iamAuthTokenProvider(target, {
      now: () => 0,
      sign: async () => {
        if (++attempt === 1) throw new Error('no credentials');
        return 'token-ok';
      },
    });
    await expect(token()).rejects.toThrow('no credentials');
    expect(await token()).toBe('token-ok');
  });
});
