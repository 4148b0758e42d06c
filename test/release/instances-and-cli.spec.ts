import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '@orderflow/devstack/free-port';
import { InstanceRecord, InstanceRegistry, REGISTRY_CHANNEL, RegistryEvent } from '@orderflow/release/instance-registry';
import { AppProcess, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { runReleaseCli } from '../support/release-cli';
import { TestStack, startTestStack } from '../support/test-stack';

const TTL_SECONDS = 3;
const GRACE_MS = 5000;

describe('instance registry and the release CLI (built apps as processes, real PostgreSQL and Redis)', () => {
  let stack: TestStack;
  let redis: Redis;
  let subscriber: Redis;
  let registry: InstanceRegistry;
  const events: RegistryEvent[] = [];
  const apps: Record<string, AppProcess> = {};
  const ports: Record<string, number> = {};

  const start = async (name: string, app: 'api' | 'worker' | 'reporting', version: string, extra: Record<string, string> = {}) => {
    ports[name] = await freePort();
    const env = { ...stack.env, ORDERFLOW_VERSION: version, INSTANCE_TTL_SECONDS: String(TTL_SECONDS), SQS_WAIT_TIME_SECONDS: '1', ...extra };
    apps[name] = await startAppProcess(app, env, ports[name], join(stack.rootDir, `${name}.log`));
  };
  const live = () => registry.list();
  const cli = (...args: string[]) => runReleaseCli(stack, args);

  beforeAll(async () => {
    stack = await startTestStack();
    redis = new Redis(stack.env.REDIS_URL);
    subscriber = new Redis(stack.env.REDIS_URL);
    await subscriber.subscribe(REGISTRY_CHANNEL);
    subscriber.on('message', (_channel, message) => events.push(JSON.parse(message)));
    registry = new InstanceRegistry(redis, TTL_SECONDS);
    await Promise.all([start('api-1', 'api', '1.0.0'), start('api-2', 'api', '2.0.0', { DEREGISTER_GRACE_MS: String(GRACE_MS) }), start('worker-1', 'worker', '1.0.0'), start('reporting-1', 'reporting', '1.0.0')]);
  });

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
    subscriber?.disconnect();
    redis?.disconnect();
    await stack?.stop();
  });

  it('registers every app with its service, version and address, and announces the joins', async () => {
    await eventually('4 registered instances', async () => (await live()).length === 4, 30_000);
    const instances = await live();
    expect(instances.map(({ service, version, address }) => ({ service, version, address })).sort((a, b) => a.address.localeCompare(b.address))).toEqual(
      [
        { service: 'api', version: '1.0.0', address: `127.0.0.1:${ports['api-1']}` },
        { service: 'api', version: '2.0.0', address: `127.0.0.1:${ports['api-2']}` },
        { service: 'worker', version: '1.0.0', address: `127.0.0.1:${ports['worker-1']}` },
        { service: 'reporting', version: '1.0.0', address: `127.0.0.1:${ports['reporting-1']}` },
      ].sort((a, b) => a.address.localeCompare(b.address)),
    );
    await eventually('4 join announcements', async () => events.filter((e) => e.event === 'join').length >= 4, 10_000);

    const listed = await cli('instances', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as InstanceRecord[]).map((i) => i.instanceId).sort()).toEqual(instances.map((i) => i.instanceId).sort());
    const table = await cli('instances');
    expect(table.stdout).toContain(`127.0.0.1:${ports['reporting-1']}`);
  });

  it('runs a release from the command line: start (stable inferred from the live instances), pins, promote, abort, and 409-like refusals', async () => {
    const started = await cli('start', 'api', '2.0.0', '--steps', '20,100', '--step-seconds', '30');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(/^started api 1\.0\.0 -> 2\.0\.0: running, step 1\/2 at 20%/);

    const again = await cli('start', 'api', '3.0.0');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('api already has a running release (1.0.0 -> 2.0.0)');
    const badSteps = await cli('start', 'worker', '2.0.0', '--steps', '10,x');
    expect(badSteps.code).toBe(1);
    expect(badSteps.stderr).toContain('/steps: must be whole percents between 1 and 100');

    expect((await cli('pin', 'cust-9', 'api=2.0.0')).stdout).toContain('pinned cust-9 to api 2.0.0');
    expect((await cli('pin', 'cust-9', 'worker=1.0.0')).code).toBe(0);
    expect((await cli('unpin', 'cust-9', 'worker')).stdout).toContain('unpinned cust-9: worker=1.0.0');
    expect((await cli('pin', 'cust-9', 'nonsense')).code).toBe(1);

    const status = JSON.parse((await cli('status', '--json')).stdout);
    expect(status.stable).toEqual({ api: '1.0.0' });
    expect(status.releases).toEqual([expect.objectContaining({ service: 'api', candidateVersion: '2.0.0', percent: 20, steps: [20, 100], stepSeconds: 30, status: 'running' })]);

    expect((await cli('promote')).stdout).toMatch(/^promoted: api 1\.0\.0 -> 2\.0\.0: running, step 2\/2 at 100%/);
    expect((await cli('abort', '--reason', 'errors on 2.0.0')).stdout).toMatch(/^aborted: api 1\.0\.0 -> 2\.0\.0: aborted/);
    const abortAgain = await cli('abort');
    expect(abortAgain.code).toBe(1);
    expect(abortAgain.stderr).toContain('no release is running');
    expect((await cli('promote', 'api')).stderr).toContain('api has no running release');

    const human = (await cli('status')).stdout;
    expect(human).toContain('stable: api=1.0.0');
    expect(human).toMatch(/step 2 {2}abort {4}by cli:\S+: errors on 2\.0\.0/);
    expect(human).toContain('aborted versions (routed to stable): api=2.0.0');

    const audit = await stack.db.query(`SELECT actor, action, before, after FROM audit_log ORDER BY id`);
    expect(audit.map((row: { action: string }) => row.action)).toEqual(['release.start', 'release.pin', 'release.pin', 'release.unpin', 'release.promote', 'release.abort']);
    expect(new Set(audit.map((row: { actor: string }) => row.actor))).toEqual(new Set([`cli:${userInfo().username}`]));
    expect(audit[4]).toMatchObject({ before: { stepIndex: 0, percent: 20 }, after: { stepIndex: 1, percent: 100 } });
  });

  it('deregisters on SIGTERM first, keeps serving for the grace period, then exits cleanly', async () => {
    const leaving = (await live()).find((i) => i.address.endsWith(`:${ports['api-2']}`))!;
    const stopped = apps['api-2'].stop();
    await eventually('the SIGTERMed api to leave the registry', async () => !(await live()).some((i) => i.instanceId === leaving.instanceId), 10_000, 50);
    expect(apps['api-2'].isRunning()).toBe(true);
    const during = await fetch(`http://127.0.0.1:${ports['api-2']}/health/live`);
    expect(during.status).toBe(200);
    expect((await stopped).code).toBe(0);
    await eventually('the leave announcement', async () => events.some((e) => e.event === 'leave' && e.instance.instanceId === leaving.instanceId), 5_000);
  });

  it('refuses to start with a malformed ROUTE_TOKEN_KEYS: exit 78 naming the problem, never the secret', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile(process.execPath, [resolve(__dirname, '../../dist/apps/api/src/main.js')], {
        env: { PATH: process.env.PATH, ...stack.env, PORT: '0', ROUTE_TOKEN_KEYS: 'k1:too-short-secret' },
      }, (_error, _stdout, stderr) => done({ code: child.exitCode, stderr }));
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('ROUTE_TOKEN_KEYS: key k1: the secret must be at least 32 characters');
    expect(result.stderr).not.toContain('too-short-secret');
  });

  it('drops a SIGKILLed instance within its TTL', async () => {
    const crashed = (await live()).find((i) => i.service === 'worker')!;
    const killedAt = Date.now();
    apps['worker-1'].signal('SIGKILL');
    await apps['worker-1'].exited;
    expect((await live()).map((i) => i.instanceId)).toContain(crashed.instanceId);
    await eventually('the killed worker to disappear', async () => !(await live()).some((i) => i.instanceId === crashed.instanceId), TTL_SECONDS * 1000 + 1_000, 100);
    console.log(`a SIGKILLed instance disappeared from the registry ${Date.now() - killedAt} ms after the kill (TTL ${TTL_SECONDS} s)`);
    expect((await live()).map((i) => i.service).sort()).toEqual(['api', 'reporting']);
  });
});
