import { parseArgs } from 'node:util';
import { requiredSetting } from '@orderflow/config/app-config';
import { loadProgramConfig } from '@orderflow/secrets/app-secrets';
import { createSqsClient } from '@orderflow/messaging/sqs-client';
import { listDeadLetters, redriveDeadLetters } from '@orderflow/messaging/dead-letter-admin';
import { VersionQueues } from '@orderflow/messaging/version-routing/version-queues';
import { runCli } from './run-cli';

const USAGE = `usage:
  npm run dlq -- list [--limit N]       show dead-lettered messages with their reasons
  npm run dlq -- redrive [--limit N]    move them back to the orders queue`;

/**
 * `npm run dlq`: inspect and redrive the orders dead-letter queue (ORDERS_DLQ_URL) and the DLQ of
 * every worker version queue of ORDERS_QUEUE_URL (docs/releases.md, "Workers"). Everything goes
 * back to the ingress queue, so that a redriven message passes its customer's barrier like any other.
 */
void runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string' } } });
  const command = positionals[0];
  if (command !== 'list' && command !== 'redrive') throw new Error(USAGE);
  let limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (!(limit > 0)) throw new Error(`--limit must be a positive number\n${USAGE}`);
  const config = await loadProgramConfig(['ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL']);
  const client = createSqsClient(config);
  const ordersQueueUrl = requiredSetting(config.aws.ordersQueueUrl, 'ORDERS_QUEUE_URL');
  try {
    const dlqUrls = [requiredSetting(config.aws.ordersDlqUrl, 'ORDERS_DLQ_URL'), ...(await new VersionQueues(client, ordersQueueUrl).deadLetterQueueUrls())];
    let total = 0;
    for (const dlqUrl of dlqUrls) {
      if (limit <= 0) break;
      const name = dlqUrl.slice(dlqUrl.lastIndexOf('/') + 1);
      if (command === 'list') {
        const letters = await listDeadLetters(client, dlqUrl, limit);
        console.log(`${name}: ${letters.length} message(s)`);
        for (const letter of letters) {
          console.log(`  ${letter.messageId}  ${letter.reason}  ${letter.failedAt}  receives=${letter.receiveCount}`);
          console.log(`    detail: ${letter.detail}`);
          console.log(`    body:   ${letter.body.length > 300 ? `${letter.body.slice(0, 300)}...` : letter.body}`);
        }
        total += letters.length;
        limit -= letters.length;
      } else {
        const moved = await redriveDeadLetters(client, dlqUrl, ordersQueueUrl, limit);
        if (moved > 0) console.log(`${name}: moved ${moved}`);
        total += moved;
        limit -= moved;
      }
    }
    if (command === 'list') console.log(`${total} message(s) in the dead-letter queue${dlqUrls.length > 1 ? `s (${dlqUrls.length})` : ''}`);
    else console.log(`moved ${total} message(s) back to ${ordersQueueUrl}`);
  } finally {
    client.destroy();
  }
});
