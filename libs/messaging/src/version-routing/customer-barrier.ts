import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

/** Where a customer's one message beyond the ingress queue is: which message, on which version's queue, its latest send. */
export interface PendingMessage {
  id: string;
  version: string;
  /** Increases with every send of any of the customer's messages: a fresh deduplication id each time. */
  send: number;
}

export type Claim =
  | { action: 'send'; version: string; send: number }
  | { action: 'wait'; pendingVersion: string }
  /** Redis lost the barrier state (or starts empty): no claim until every version queue is empty. */
  | { action: 'recovering' };

export const SETTLED_CHANNEL = 'orderflow:worker-barrier:settled';
/** Created with the barrier state: if it vanishes, Redis lost its data (a restart without persistence). */
export const EPOCH_KEY = 'orderflow:worker-barrier:epoch';
/** Set while the state is rebuilt: until then a customer's earlier message may sit on any version queue unknown. */
export const RECOVERING_KEY = 'orderflow:worker-barrier:recovering';
const key = (customerId: string) => `orderflow:worker-barrier:{${customerId}}`;

// KEYS[1] the customer's hash, KEYS[2] the epoch, KEYS[3] the recovery flag; ARGV: message id,
// version to send to, the epoch this worker knows, a new epoch in case there is none. No epoch:
// the state is gone (or never was), so recovery starts. A message already pending (its forward
// was interrupted, or it came back from a DLQ) goes where its entry says, sent again.
const CLAIM = `
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  redis.call('SET', KEYS[2], ARGV[4])
  redis.call('SET', KEYS[3], '1')
  return {'recovering'}
end
if epoch ~= ARGV[3] then return {'epoch', epoch} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'recovering'} end
local id = redis.call('HGET', KEYS[1], 'id')
if id and id ~= ARGV[1] then return {'wait', redis.call('HGET', KEYS[1], 'version')} end
local version = ARGV[2]
if id then version = redis.call('HGET', KEYS[1], 'version') end
local send = redis.call('HINCRBY', KEYS[1], 'send', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'version', version)
return {'send', version, send}`;

// ARGV: message id, version it is on, version it moves to. Nil when the entry is not that message on that version.
const MOVE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] then return false end
redis.call('HSET', KEYS[1], 'version', ARGV[3])
return redis.call('HINCRBY', KEYS[1], 'send', 1)`;

// ARGV: message id. Sends again to where the entry says (a copy left behind by an interrupted move).
const RESEND = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
return {redis.call('HGET', KEYS[1], 'version'), redis.call('HINCRBY', KEYS[1], 'send', 1)}`;

// ARGV: message id, customer id. The counter stays, so deduplication ids are never reused.
const SETTLE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'id', 'version')
redis.call('PUBLISH', '${SETTLED_CHANNEL}', ARGV[2])
return 1`;

/**
 * The per-customer drain barrier of the worker's version queues (docs/releases.md, "Workers"):
 * at most one message of a customer is beyond the ingress queue at a time, on exactly one
 * version's queue, and the next one leaves the ingress queue only once that one is processed or
 * dead-lettered. So whichever version holds a customer's message, none of its later messages can
 * overtake it, through any step, pin, promote or abort. Each transition is one Lua script.
 */
export class CustomerBarrier {
  /** The epoch this worker last saw; a claim under another one first learns the new one. */
  private epoch = '';

  constructor(private readonly redis: Redis) {}

  /** The forwarder's turn: send to `version` (or where the message already is), wait for the pending one, or wait for recovery. */
  async claim(customerId: string, messageId: string, version: string): Promise<Claim> {
    for (;;) {
      const [action, at, send] = (await this.redis.eval(CLAIM, 3, key(customerId), EPOCH_KEY, RECOVERING_KEY, messageId, version, this.epoch, randomUUID())) as [string, string?, number?];
      if (action === 'epoch') {
        // Another worker began the current epoch (and its recovery, if the state was lost): claim under it.
        this.epoch = at!;
        continue;
      }
      if (action === 'recovering') return { action: 'recovering' };
      return action === 'send' ? { action: 'send', version: at!, send: Number(send) } : { action: 'wait', pendingVersion: at! };
    }
  }

  async recovering(): Promise<boolean> {
    return (await this.redis.exists(RECOVERING_KEY)) === 1;
  }

  /** Recovery is over: every version queue was seen empty, so no customer has a message beyond the ingress queue. */
  async recovered(): Promise<void> {
    await this.redis.del(RECOVERING_KEY);
  }

  async pending(customerId: string): Promise<PendingMessage | null> {
    const entry = await this.redis.hgetall(key(customerId));
    return entry.id ? { id: entry.id, version: entry.version, send: Number(entry.send) } : null;
  }

  /** Moves the pending message from one version to another; the send number, or null if it is not pending there. */
  async move(customerId: string, messageId: string, from: string, to: string): Promise<number | null> {
    const send = await this.redis.eval(MOVE, 1, key(customerId), messageId, from, to);
    return send === null ? null : Number(send);
  }

  async resend(customerId: string, messageId: string): Promise<{ version: string; send: number } | null> {
    const result = (await this.redis.eval(RESEND, 1, key(customerId), messageId)) as [string, number] | null;
    return result ? { version: result[0], send: Number(result[1]) } : null;
  }

  /** The message is done (processed or dead-lettered): the customer's next one may leave the ingress queue. */
  async settle(customerId: string, messageId: string): Promise<boolean> {
    return Number(await this.redis.eval(SETTLE, 1, key(customerId), messageId, customerId)) === 1;
  }
}

/**
 * Wakes forwarders waiting on a customer's barrier when it settles (one subscription per
 * process); a wait also ends after `timeoutMs`, so a lost announcement costs only that long.
 */
export class SettleWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private subscriber?: Redis;

  async start(redis: Redis): Promise<void> {
    this.subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('error', () => undefined); // ioredis reconnects and resubscribes; the timeout covers the gap
    this.subscriber.on('message', (_channel: string, customerId: string) => this.wake(customerId));
    await this.subscriber.subscribe(SETTLED_CHANNEL);
  }

  stop(): void {
    this.subscriber?.disconnect();
    for (const customerId of [...this.waiting.keys()]) this.wake(customerId);
  }

  wait(customerId: string, timeoutMs: number): Promise<void> {
    return new Promise((done) => {
      const waiters = this.waiting.get(customerId) ?? new Set();
      this.waiting.set(customerId, waiters);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(finish);
        if (waiters.size === 0) this.waiting.delete(customerId);
        done();
      };
      const timer = setTimeout(finish, timeoutMs);
      waiters.add(finish);
    });
  }

  private wake(customerId: string): void {
    for (const finish of [...(this.waiting.get(customerId) ?? [])]) finish();
  }
}
