import { Signer } from '@aws-sdk/rds-signer';

export interface IamAuthTarget {
  hostname: string;
  port: number;
  username: string;
  region: string;
}

/** RDS accepts an IAM auth token for 15 minutes; one is made well before that. */
export const TOKEN_REUSE_MS = 10 * 60_000;

/**
 * The password of every new connection when IAM database authentication is on: a token signed
 * locally by @aws-sdk/rds-signer (credentials from the SDK's default chain), reused for 10 minutes
 * and then renewed, so that no connection is ever opened with an expired one. Open connections
 * are not affected by expiry: the token is only checked at login.
 */
export function iamAuthTokenProvider(
  target: IamAuthTarget,
  options: { sign?: () => Promise<string>; now?: () => number } = {},
): () => Promise<string> {
  const sign = options.sign ?? (() => new Signer(target).getAuthToken());
  const now = options.now ?? Date.now;
  let current: { token: Promise<string>; madeAt: number } | undefined;
  return () => {
    if (!current || now() - current.madeAt >= TOKEN_REUSE_MS) {
      const made = { token: sign(), madeAt: now() };
      current = made;
      // A failed signing is not kept: the next connection tries again.
      made.token.catch(() => {
        if (current === made) current = undefined;
      });
    }
    return current.token;
  };
}
