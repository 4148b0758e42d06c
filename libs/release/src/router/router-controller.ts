import { join } from 'node:path';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { RouterSettings } from '@orderflow/config/app-config';
import { SerialRerun } from '@orderflow/locking/serial-rerun';
import { InstanceRegistry, REGISTRY_CHANNEL } from '../instance-registry';
import { ReleaseChangeListener, listenForReleaseChanges } from '../release-notifications';
import { ReleaseService } from '../release.service';
import type { Rollout, RoutingState } from '../release-types';
import type { RouteTokenKey } from '../route-token';
import { AccessLogTail } from './access-log-tail';
import { ControllerElection } from './controller-election';
import { generationOf, renderNginxConfig } from './nginx-config';
import { NginxRouter, findNginx, findNjsModule, prepareRuntimeDir } from './nginx-process';
import { ROUTE_TOKEN_NJS, renderRouteKeysModule } from './route-token.njs';
import { StepJudge } from './step-judge';
import { TrafficFigures, parseAccessLine } from './traffic-figures';

export interface RouterControllerOptions {
  port: number;
  settings: RouterSettings;
  routeTokenKeys: RouteTokenKey[];
  db: DataSource;
  databaseUrl: string;
  redis: Redis;
  registry: InstanceRegistry;
  releases: ReleaseService;
  logger: Logger;
}

/**
 * The router controller: keeps nginx's configuration a function of the instance registry and the
 * release state (re-rendered at once on a Redis/PostgreSQL announcement, and every `pollMs`
 * anyway), reads nginx's access log into per-version figures and, while it holds the election,
 * decides each running API step: advance, complete, hold or abort, recorded with the figures.
 * Every controller renders; only the elected one decides.
 */
export class RouterController {
  private readonly nginx: NginxRouter;
  private readonly figures = new TrafficFigures();
  private readonly election: ControllerElection;
  private readonly runtimeDir: string;
  private accessLog?: AccessLogTail;
  private workerUser?: string;
  private timer?: NodeJS.Timeout;
  private subscriber?: Redis;
  private listener?: ReleaseChangeListener;
  private readonly renders = new SerialRerun();
  private deciding = false;
  private stopped = false;
  private leader = false;
  private lastRouting?: RoutingState;
  private readonly judge: StepJudge;

  constructor(private readonly options: RouterControllerOptions) {
    this.runtimeDir = options.settings.runtimeDir;
    this.nginx = new NginxRouter({ binary: findNginx(), runtimeDir: this.runtimeDir, healthUrl: `http://127.0.0.1:${options.port}/router/health` });
    this.election = new ControllerElection(options.db);
    this.judge = new StepJudge({
      releases: options.releases,
      redis: options.redis,
      logger: options.logger,
      defaults: options.settings.bounds,
      figuresTtlMs: Math.max(5000, options.settings.pollMs * 5),
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get nginxPid(): number | undefined {
    return this.nginx.pid;
  }

  get exited(): Promise<unknown> | undefined {
    return this.nginx.exited;
  }

  async start(): Promise<void> {
    this.workerUser = prepareRuntimeDir(this.runtimeDir).workerUser;
    this.accessLog = new AccessLogTail(join(this.runtimeDir, 'logs', 'access.log'));
    await this.firstRender();
    await this.subscribe();
    this.timer = setInterval(() => this.tick(), this.options.settings.pollMs);
  }

  /** nginx starts once the registry and the release state could be read: routing from nothing would send everyone to 502. */
  private async firstRender(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await this.render();
      } catch (error) {
        if (Date.now() > deadline || this.stopped) throw error;
        this.options.logger.warn({ err: error }, 'router waiting for Redis and PostgreSQL before starting nginx');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.renders.settled();
    await this.subscriber?.quit().catch(() => undefined);
    await this.listener?.close();
    await this.election.resign();
    await this.nginx.stop();
  }

  /** Re-renders now (coalesced: a render already running is followed by exactly one more). */
  refresh(): Promise<void> {
    return this.renders.run(() => this.render());
  }

  private tick(): void {
    if (this.stopped) return;
    this.refresh().catch((error: unknown) => this.options.logger.warn({ err: error }, 'router render failed; nginx keeps the last configuration'));
    this.readAccessLog();
    if (!this.deciding) {
      this.deciding = true;
      this.decide()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'release analysis failed; retrying at the next tick'))
        .finally(() => (this.deciding = false));
    }
  }

  /** Reads the registry and the release state, and applies the configuration if it changed. */
  private async render(): Promise<void> {
    // Either source down: keep serving the last good configuration rather than route from nothing.
    const [instances, routing] = await Promise.all([this.options.registry.list(), this.options.releases.getRoutingState()]);
    this.lastRouting = routing;
    const conf = renderNginxConfig({
      listen: { host: this.options.settings.listenHost, port: this.options.port },
      runtimeDir: this.runtimeDir,
      njsModulePath: findNjsModule(),
      instances,
      stableApiVersion: routing.stable.api,
      abortedApiVersions: routing.abortedVersions.api ?? [],
      proxy: {
        connectTimeoutMs: this.options.settings.connectTimeoutMs,
        readTimeoutMs: this.options.settings.readTimeoutMs,
        keepaliveConnections: this.options.settings.upstreamKeepalive,
      },
      clientKeepaliveSeconds: this.options.settings.clientKeepaliveSeconds,
      workerUser: this.workerUser,
      workerProcesses: this.options.settings.workerProcesses,
    });
    if (generationOf(conf) === this.nginx.appliedGeneration) return;
    await this.nginx.apply({ nginxConf: conf, njsScript: ROUTE_TOKEN_NJS, keysModule: renderRouteKeysModule(this.options.routeTokenKeys) });
    const api = instances.filter((i) => i.service === 'api');
    this.options.logger.info(
      { generation: generationOf(conf), stable: routing.stable.api, aborted: routing.abortedVersions.api ?? [], apiInstances: api.map((i) => `${i.version}@${i.address}`) },
      'router configuration applied',
    );
  }

  private readAccessLog(): void {
    for (const line of this.accessLog?.read() ?? []) {
      const record = parseAccessLine(line);
      if (record) this.figures.add(record);
    }
    this.figures.trim(Date.now());
  }

  /** The elected controller's step decisions for the running API rollouts. */
  private async decide(): Promise<void> {
    const leader = await this.election.isLeader();
    if (leader !== this.leader) this.options.logger.info(leader ? 'this router controller now decides release steps' : 'this router controller no longer decides release steps');
    this.leader = leader;
    if (!leader || !this.lastRouting) return;
    for (const rollout of this.lastRouting.rollouts) {
      if (rollout.service !== 'api' || rollout.status !== 'running') continue;
      await this.decideRollout(rollout);
    }
  }

  private async decideRollout(rollout: Rollout): Promise<void> {
    const changed = await this.judge.judge(rollout, (version, from, to) => this.figures.figures(version, from, to));
    // The candidate's token holders must land on stable now, not at the next poll.
    if (changed) await this.refresh();
  }

  /** Re-render at once on registry joins/leaves (Redis) and release changes (PostgreSQL NOTIFY). */
  private async subscribe(): Promise<void> {
    const onChange = () => {
      if (!this.stopped) this.refresh().catch((error: unknown) => this.options.logger.warn({ err: error }, 'router render failed'));
    };
    // Queued until connected, so the subscription is made whenever Redis comes up.
    this.subscriber = this.options.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined); // ioredis reconnects and resubscribes; the poll covers the gap
    this.subscriber.on('message', onChange);
    await this.subscriber.subscribe(REGISTRY_CHANNEL).catch(() => undefined);
    this.listener = listenForReleaseChanges(this.options.databaseUrl, onChange);
  }
}
