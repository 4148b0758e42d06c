import { REPORTING_ROLE } from '@orderflow/persistence/migrations/1764000001000-reporting';

export { REPORTING_ROLE };

/**
 * The same server and database as `url`, as the SELECT-only role the migrations create. Used where
 * Orderflow starts PostgreSQL itself (npm start, tests), whose trust authentication needs no
 * password; in production the operator puts the role and its password in DATABASE_REPLICA_URL.
 */
export function asReportingRole(url: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = REPORTING_ROLE;
  parsed.password = password ? encodeURIComponent(password) : '';
  return parsed.toString();
}
