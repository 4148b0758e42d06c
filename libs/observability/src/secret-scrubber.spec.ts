import { registerSecretValues, scrubSecrets } from './secret-scrubber';

describe('secret scrubber', () => {
  it('replaces registered values, their JSON-escaped form and passwords inside URLs; leaves short values alone', () => {
    registerSecretValues(['postgres://app:p%40ss-word-1@db/orders', 'quote"d-secret', '3000']);
    const line = JSON.stringify({ msg: 'connect postgres://app:p%40ss-word-1@db/orders failed', detail: 'auth p@ss-word-1', other: 'quote"d-secret', port: 3000 });
    const scrubbed = scrubSecrets(line);
    expect(scrubbed).not.toContain('ss-word-1');
    expect(scrubbed).not.toContain('d-secret');
    expect(scrubbed).toContain('"port":3000');
    expect(scrubbed).toContain('[redacted]');
  });
});
