import { EntityManager } from 'typeorm';

/** Runs one statement and returns its rows, for SELECT and for INSERT/UPDATE ... RETURNING alike. */
export async function queryRows<T>(manager: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  const ownRunner = manager.queryRunner === undefined;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(text, params, true);
    return result.records as T[];
  } finally {
    if (ownRunner) await runner.release();
  }
}

/** int8 and numeric arrive as strings from pg; the values here stay within 2^53. */
export function toNumber(value: string | number | null): number {
  return value === null ? 0 : Number(value);
}
