import { Message } from '@aws-sdk/client-sqs';
import { BaseRpcContext } from '@nestjs/microservices';

/** What a handler gets through `@Ctx()`, as with Nest's own transports: the message it came from. */
export class SqsContext extends BaseRpcContext<[Message]> {
  constructor(
    message: Message,
    /** What the transport was told to call its queue (the worker version whose queue it is), if anything. */
    readonly queueLabel?: string,
  ) {
    super([message]);
  }

  getMessage(): Message {
    return this.args[0];
  }

  get messageId(): string {
    return this.args[0].MessageId ?? 'unknown';
  }

  /** 1 on the first delivery. */
  get receiveCount(): number {
    return receiveCount(this.args[0]);
  }

  /** A string message attribute set by the producer (e.g. correlationId, traceparent). */
  attribute(name: string): string | undefined {
    return this.args[0].MessageAttributes?.[name]?.StringValue;
  }
}

export function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? 1);
}
