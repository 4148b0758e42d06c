import { requiredSetting } from '@orderflow/config/app-config';
import { parseArgs } from 'node:util';
import { loadProgramConfig } from '@orderflow/secrets/app-secrets';
import { createSqsClient } from '@orderflow/messaging/sqs-client';
import { listDeadLetters, redriveDeadLetters } from '@orderflow/messaging/dead-letter-admin';
import { runCli } from './run-cli';

const USAGE = `usage:
  npm run dlq -- list [--limit N]       show dead-lettered messages with their reasons
  npm run dlq -- redrive [--limit N]    move them back to the orders queue`;

/** `npm run dlq`: inspect and redrive the orders dead-letter queue (ORDERS_DLQ_URL -> ORDERS_QUEUE_URL). */
void runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string' } } });
  const command = positionals[0];
  if (command !== 'list' && command !== 'redrive') throw new Error(USAGE);
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (!(limit > 0)) throw new Error(`--limit must be a positive number\n${USAGE}`);
  const config = await loadProgramConfig(['ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL']);
  const client = createSqsClient(config);
  try {
    if (command === 'list') {
      const letters = await listDeadLetters(client, requiredSetting(config.aws.ordersDlqUrl, 'ORDERS_DLQ_URL'), limit);
      for (const letter of letters) {
        console.log(`${letter.messageId}  ${letter.reason}  ${letter.failedAt}  receives=${letter.receiveCount}`);
        console.log(`  detail: ${letter.detail}`);
        console.log(`  body:   ${letter.body.length > 300 ? `${letter.body.slice(0, 300)}...` : letter.body}`);
      }
      console.log(`${letters.length} message(s) in the dead-letter queue`);
    } else {
      const moved = await redriveDeadLetters(client, requiredSetting(config.aws.ordersDlqUrl, 'ORDERS_DLQ_URL'), requiredSetting(config.aws.ordersQueueUrl, 'ORDERS_QUEUE_URL'), limit);
      console.log(`moved ${moved} message(s) back to ${config.aws.ordersQueueUrl}`);
    }
  } finally {
    client.destroy();
  }
});
