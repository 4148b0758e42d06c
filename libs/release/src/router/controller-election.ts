import { DataSource, QueryRunner } from 'typeorm';

/** Arbitrary constants: the advisory locks held by the one controller that acts on release steps (router: API; workers: worker). */
export const CONTROLLER_LOCK_ID = 7_265_009;
export const WORKER_CONTROLLER_LOCK_ID = 7_265_013;

/**
 * One elected controller at a time: a PostgreSQL advisory lock held by a dedicated session. If
 * that session breaks (the controller or PostgreSQL dies), the lock goes with it and another
 * controller takes it at its next try. `isLeader()` checks the session is still alive, so a
 * controller that lost its session stops acting before anyone else starts.
 */
export class ControllerElection {
  private session?: QueryRunner;

  constructor(
    private readonly db: DataSource,
    private readonly lockId = CONTROLLER_LOCK_ID,
  ) {}

  async isLeader(): Promise<boolean> {
    try {
      if (this.session) {
        await this.session.query('SELECT 1');
        return true;
      }
      const session = this.db.createQueryRunner();
      await session.connect();
      const [{ leader }] = await session.query(`SELECT pg_try_advisory_lock($1) AS leader`, [this.lockId]);
      if (leader) this.session = session;
      else await session.release();
      return Boolean(leader);
    } catch {
      await this.resign();
      return false;
    }
  }

  async resign(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    await session.query(`SELECT pg_advisory_unlock($1)`, [this.lockId]).catch(() => undefined);
    await session.release().catch(() => undefined);
  }
}
