import { Client } from 'pg';
import { RELEASE_CHANNEL } from '@orderflow/persistence/release-state.repository';

export interface ReleaseChangeListener {
  close(): Promise<void>;
}

const RECONNECT_MS = 1000;

/**
 * Calls `onChange` whenever the release state changes (NOTIFY orderflow_release, sent at commit by
 * ReleaseService), on a connection of its own, reconnecting after a failure. Notifications sent
 * while disconnected are lost, so `onChange` is also called on every (re)connection: a listener
 * re-reads the state then, and keeps polling as a fallback.
 */
export function listenForReleaseChanges(databaseUrl: string, onChange: () => void, onError: (error: Error) => void = () => undefined): ReleaseChangeListener {
  let client: Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const next = new Client({ connectionString: databaseUrl, application_name: 'orderflow-release-listener', keepAlive: true });
    next.on('notification', (message) => message.channel === RELEASE_CHANNEL && onChange());
    next.on('error', (error) => {
      onError(error);
      retry(next);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${RELEASE_CHANNEL}`);
      client = next;
      onChange();
    } catch (error) {
      onError(error as Error);
      retry(next);
    }
  };
  const retry = (failed: Client) => {
    if (client === failed) client = undefined;
    void failed.end().catch(() => undefined);
    if (!closed && !timer) timer = setTimeout(() => ((timer = undefined), void connect()), RECONNECT_MS).unref();
  };

  void connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
