import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, requiredSetting } from '@orderflow/config/app-config';
import { createDataSource } from '@orderflow/persistence/data-source';
import { createRedis, waitForRedis } from '@orderflow/locking/redis-connection';
import { InstanceRecord, InstanceRegistry } from '@orderflow/release/instance-registry';
import { Release, ReleaseService, ReleaseStatus } from '@orderflow/release/release.service';
import { StepFigures, formatStepFigures, readStepFigures } from '@orderflow/release/router/step-figures';
import { parseStepList } from '@orderflow/release/release-steps';
import { runCli } from './run-cli';

const USAGE = `usage:
  npm run release -- status [--json]                         stable versions, releases, their last decisions
  npm run release -- start <service> <version> [--steps 10,50,100] [--step-seconds N] [--stable <version>]
  npm run release -- promote [<service>]                     next step now (at the last step: finish)
  npm run release -- abort [<service>] [--reason TEXT]       everyone back to stable at once
  npm run release -- pin <customerId> <service>=<version>
  npm run release -- unpin <customerId> [<service>]
  npm run release -- instances [--json]                      live instances from the registry`;

/** `npm run release`: release control (docs/releases.md); the same actions as /v1/admin/releases. */
void runCli(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      steps: { type: 'string' },
      'step-seconds': { type: 'string' },
      stable: { type: 'string' },
      reason: { type: 'string' },
    },
  });
  const [command, ...args] = positionals;
  const commands = ['status', 'start', 'promote', 'abort', 'pin', 'unpin', 'instances'];
  if (!commands.includes(command)) throw new Error(USAGE);
  const config = loadConfig(command === 'instances' ? ['REDIS_URL'] : ['DATABASE_URL', 'REDIS_URL']);
  const redis = createRedis(requiredSetting(config.redisUrl, 'REDIS_URL'));
  const registry = new InstanceRegistry(redis, config.release.instanceTtlSeconds);
  if (!(await waitForRedis(redis))) {
    redis.disconnect();
    throw new Error('Redis is unreachable (REDIS_URL)');
  }
  if (command === 'instances') {
    try {
      const instances = await registry.list();
      console.log(values.json ? JSON.stringify(instances, null, 2) : formatInstances(instances));
    } finally {
      redis.disconnect();
    }
    return;
  }
  const db = await createDataSource({ url: requiredSetting(config.databaseUrl, 'DATABASE_URL'), poolSize: 1, applicationName: 'orderflow-release' }).initialize();
  const releases = new ReleaseService(db, async (service) => (await registry.list(service)).map((instance) => instance.version));
  // The audit log names the operator's login: the CLI runs with database credentials, not an API key.
  const actor = `cli:${userInfo().username}`;
  try {
    switch (command) {
      case 'status': {
        const status = await releases.status();
        // The elected controller's figures of each running step so far (router or workers, docs/releases.md).
        const live = Object.fromEntries(await Promise.all(status.releases.map(async (r) => [r.id, await readStepFigures(redis, r.id)] as const)));
        console.log(values.json ? JSON.stringify({ ...status, liveFigures: live }, null, 2) : formatStatus(status, live));
        break;
      }
      case 'start': {
        const [service, version] = args;
        if (!service || !version) throw new Error(USAGE);
        const stepSeconds = values['step-seconds'] === undefined ? undefined : Number(values['step-seconds']);
        const release = await releases.start(
          { service, version, steps: values.steps === undefined ? undefined : parseStepList(values.steps), stepSeconds, stable: values.stable },
          actor,
        );
        console.log(`started ${describe(release)}`);
        break;
      }
      case 'promote':
        console.log(`promoted: ${describe(await releases.promote(args[0], actor))}`);
        break;
      case 'abort':
        console.log(`aborted: ${describe(await releases.abortRunning(args[0], values.reason ?? 'aborted by an operator', actor))}`);
        break;
      case 'pin': {
        const [customerId, assignment] = args;
        const match = /^([^=]+)=(.+)$/.exec(assignment ?? '');
        if (!customerId || !match) throw new Error(USAGE);
        const pin = await releases.pin(customerId, match[1], match[2], actor);
        console.log(`pinned ${pin.customerId} to ${pin.service} ${pin.version}`);
        break;
      }
      case 'unpin': {
        const [customerId, service] = args;
        if (!customerId) throw new Error(USAGE);
        const removed = await releases.unpin(customerId, service, actor);
        console.log(removed.length ? `unpinned ${customerId}: ${removed.map((p) => `${p.service}=${p.version}`).join(', ')}` : `${customerId} had no such pin`);
        break;
      }
    }
  } finally {
    await db.destroy();
    redis.disconnect();
  }
});

function describe(release: Release): string {
  return `${release.service} ${release.stableVersion} -> ${release.candidateVersion}: ${release.status}, step ${release.stepIndex + 1}/${release.steps.length} at ${release.percent}% (release ${release.id})`;
}

function formatStatus(status: ReleaseStatus, live: Record<string, StepFigures | null> = {}): string {
  const lines = [`stable: ${Object.entries(status.stable).map(([s, v]) => `${s}=${v}`).join(' ') || '(none recorded yet)'}`];
  if (status.releases.length === 0) lines.push('no release yet');
  for (const release of status.releases) {
    const windowEnds = new Date(Date.parse(release.stepStartedAt) + release.stepSeconds * 1000).toISOString();
    lines.push('', describe(release), `  steps ${release.steps.join(',')}%, ${release.stepSeconds}s each; step started ${release.stepStartedAt}${release.status === 'running' ? `, window ends ${windowEnds}` : ''}`);
    const current = release.status === 'running' ? live[release.id] : null;
    if (current) lines.push(`  this step so far (${release.service === 'worker' ? 'workers' : 'router'}):`, ...formatStepFigures(current)!);
    for (const decision of release.decisions) {
      lines.push(`  ${decision.at}  step ${decision.stepIndex + 1}  ${decision.action.padEnd(8)} by ${decision.actor}: ${decision.reason}`);
      const table = formatStepFigures(decision.figures);
      if (table) lines.push(...table);
      else if (decision.figures !== null && decision.figures !== undefined) lines.push(`    figures: ${JSON.stringify(decision.figures)}`);
    }
  }
  const aborted = Object.entries(status.abortedVersions).map(([s, v]) => `${s}=${(v ?? []).join(',')}`);
  if (aborted.length) lines.push('', `aborted versions (routed to stable): ${aborted.join(' ')}`);
  return lines.join('\n');
}

function formatInstances(instances: InstanceRecord[]): string {
  if (instances.length === 0) return 'no live instance';
  return instances.map((i) => `${i.service.padEnd(10)} ${i.version.padEnd(12)} ${i.address.padEnd(22)} ${i.instanceId}  since ${i.startedAt}`).join('\n');
}
