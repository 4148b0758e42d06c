import { customerOf, OrderMessage, parseOrderMessage } from '@orderflow/contracts/order-message';
import { DecodedMessage } from '@orderflow/messaging/message-decoder';

/** Order messages (contract v1) for the SQS transport: the type is the pattern, the customer the key. */
export function decodeOrderMessage(body: string | undefined): DecodedMessage<OrderMessage> {
  const parsed = parseOrderMessage(body);
  if (!parsed.ok) return parsed;
  return { ok: true, pattern: parsed.message.type, payload: parsed.message, orderingKey: customerOf(parsed.message) };
}
