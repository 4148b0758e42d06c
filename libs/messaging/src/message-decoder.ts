/**
 * How the transport reads a body, injected by the app so that the transport knows nothing of
 * what it carries: the handler pattern, the payload, and the key that orders it (used when the
 * queue has no FIFO group).
 */
export type DecodedMessage<T> =
  | { ok: true; pattern: string; payload: T; orderingKey?: string }
  | { ok: false; reason: string; detail: string };

export type MessageDecoder<T> = (body: string | undefined) => DecodedMessage<T>;
