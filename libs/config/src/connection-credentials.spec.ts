import { ConnectionCredentials } from './connection-credentials';

describe('connection credentials', () => {
  it('applies a new password live and tells the listeners; other changes need a restart', () => {
    const credentials = new ConnectionCredentials({ DATABASE_URL: 'postgres://app:old%40pw@db:5432/orders', REDIS_URL: 'redis://cache:6379' });
    const seen: Array<string | undefined> = [];
    credentials.onChange('DATABASE_URL', (password) => seen.push(password));
    expect(credentials.password('DATABASE_URL')).toBe('old@pw');
    expect(credentials.update('DATABASE_URL', 'postgres://app:old%40pw@db:5432/orders')).toBe('unchanged');
    expect(credentials.update('DATABASE_URL', 'postgres://app:new-pw@db:5432/orders')).toBe('applied');
    expect(credentials.password('DATABASE_URL')).toBe('new-pw');
    expect(seen).toEqual(['new-pw']);
    expect(credentials.update('DATABASE_URL', 'postgres://app:new-pw@other-db:5432/orders')).toBe('restart-needed');
    expect(credentials.update('DATABASE_URL', 'postgres://admin:new-pw@db:5432/orders')).toBe('restart-needed');
    expect(credentials.password('DATABASE_URL')).toBe('new-pw');
    expect(credentials.update('DATABASE_REPLICA_URL', 'postgres://r:x@replica/orders')).toBe('restart-needed');
    expect(credentials.password('REDIS_URL')).toBeUndefined();
  });

  it('shows no password when serialised', () => {
    const credentials = new ConnectionCredentials({ DATABASE_URL: 'postgres://app:hunter2-secret@db/orders' });
    expect(JSON.stringify({ credentials })).not.toContain('hunter2');
  });
});
