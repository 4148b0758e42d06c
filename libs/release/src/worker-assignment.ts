import { SerialRerun } from '@orderflow/locking/serial-rerun';
import { assignVersions } from './assignment';
import { ReleaseChangeListener, listenForReleaseChanges } from './release-notifications';
import { RoutingState } from './release-types';

/** The release state was never read (PostgreSQL down since start): a message must wait. */
export class AssignmentUnknownError extends Error {
  constructor() {
    super('the worker assignment is not known yet (release state unreadable)');
    this.name = 'AssignmentUnknownError';
  }
}

export interface WorkerAssignmentOptions {
  /** Where release changes are announced (NOTIFY); unset: polling only. */
  databaseUrl?: string;
  /** ReleaseService.getRoutingState. */
  routingState: () => Promise<RoutingState>;
  /** Every customer's pin of the worker service. */
  workerPins: () => Promise<Array<{ customerId: string; version: string }>>;
  /** The versions of the live worker instances (the registry). */
  liveVersions: () => Promise<string[]>;
  /** This instance's version: always live. */
  ownVersion: string;
  /** Fallback re-read period besides the release announcements (NOTIFY). */
  pollMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Which worker version processes a customer's messages: the same `assignVersions` as the session
 * endpoint (pin, else the running rollout's bucket, else stable) over the release state, kept in
 * memory and re-read at once on every release change (NOTIFY orderflow_release) and every
 * `pollMs`. A version with no live worker instance cannot process anything, so its customers go
 * to stable meanwhile (a pin to a version not deployed, a candidate fleet that died).
 */
export class WorkerAssignment {
  private state?: RoutingState;
  private pins = new Map<string, string>();
  private live = new Set<string>();
  private timer?: NodeJS.Timeout;
  private listener?: ReleaseChangeListener;
  private readonly reads = new SerialRerun();

  constructor(private readonly options: WorkerAssignmentOptions) {}

  async start(): Promise<void> {
    await this.refresh().catch((error: Error) => this.options.onError?.(error));
    if (this.options.databaseUrl) {
      this.listener = listenForReleaseChanges(this.options.databaseUrl, () => void this.refresh().catch((error: Error) => this.options.onError?.(error)));
    }
    this.timer = setInterval(() => void this.refresh().catch((error: Error) => this.options.onError?.(error)), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.listener?.close();
  }

  /** The version that must process this customer's messages now. */
  versionFor(customerId: string): string {
    if (!this.state) throw new AssignmentUnknownError();
    const pin = this.pins.get(customerId);
    const assigned = assignVersions(customerId, this.state, pin === undefined ? {} : { worker: pin }).worker;
    if (assigned !== undefined && this.isLive(assigned)) return assigned;
    const stable = this.state.stable.worker;
    return stable !== undefined && this.isLive(stable) ? stable : this.options.ownVersion;
  }

  /** A version some live worker instance runs (its queue has a consumer). */
  isLive(version: string): boolean {
    return version === this.options.ownVersion || this.live.has(version);
  }

  /** Re-reads everything (one read at a time; a call while one runs gets one more after it). */
  refresh(): Promise<void> {
    return this.reads.run(() => this.read());
  }

  private async read(): Promise<void> {
    const [state, pins, live] = await Promise.all([this.options.routingState(), this.options.workerPins(), this.options.liveVersions()]);
    this.state = state;
    this.pins = new Map(pins.map((pin) => [pin.customerId, pin.version]));
    this.live = new Set(live);
  }
}
