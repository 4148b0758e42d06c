import type Redis from 'ioredis';

/** The channel a customer's lock release is published on (the release script's PUBLISH). */
export function releaseChannel(customerId: string): string {
  return `orderflow:lock:released:{${customerId}}`;
}

/** One waiter's subscription to a customer's lock releases. */
export interface ReleaseListener {
  /**
   * Resolves true at the first release heard since the last call (at once if one came meanwhile,
   * so a release between a failed try and this call is not lost), or false after `ms`.
   */
  next(ms: number): Promise<boolean>;
  close(): void;
}

interface Channel {
  /** The SUBSCRIBE's reply: the channel is heard from then on. */
  subscribed: Promise<unknown>;
  wakers: Set<() => void>;
}

/**
 * Wakes the instances waiting for a customer's lock as soon as its holder lets go: the release
 * script publishes on the customer's channel, and a waiter listens there on this dedicated
 * subscriber connection (a subscribed connection runs no other commands). Without it a waiter
 * learns of the release only at its next try, up to a poll interval later, while the holder's
 * customer sits idle (docs/operations.md, "Customer locks"). One subscription per customer,
 * shared by the waiters of this process, from the first one's wait to the last one's end.
 */
export class LockReleaseSignals {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string) => {
      for (const wake of this.channels.get(channel)?.wakers ?? []) wake();
    });
  }

  /**
   * Subscribes to the customer's releases; resolves once Redis has confirmed, so every release
   * after that is heard. Null when the subscriber connection is down: the waiter polls instead.
   */
  async listen(customerId: string): Promise<ReleaseListener | null> {
    if (this.subscriber.status !== 'ready') return null;
    const name = releaseChannel(customerId);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { subscribed: this.subscriber.subscribe(name), wakers: new Set() };
      this.channels.set(name, channel);
    }
    let released = false;
    let wake: ((heardOne: boolean) => void) | undefined;
    const heard = () => {
      released = true;
      wake?.(true);
    };
    channel.wakers.add(heard);
    const close = () => {
      if (!channel.wakers.delete(heard) || channel.wakers.size > 0) return;
      this.channels.delete(name);
      // Commands on one connection run in order: a later SUBSCRIBE of the same channel wins.
      this.subscriber.unsubscribe(name).catch(() => undefined);
    };
    try {
      await channel.subscribed;
    } catch {
      close();
      return null;
    }
    return {
      next: (ms) =>
        new Promise<boolean>((resolve) => {
          const done = (heardOne: boolean) => {
            clearTimeout(timer);
            wake = undefined;
            released = false;
            resolve(heardOne);
          };
          const timer = setTimeout(done, ms, false);
          wake = done;
          if (released) done(true);
        }),
      close,
    };
  }
}
