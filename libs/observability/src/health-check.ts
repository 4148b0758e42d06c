/** A dependency check for GET /health/ready; each app provides its own list. */
export interface HealthCheck {
  name: string;
  /** Resolves with details when healthy; throws (or rejects) when not. */
  check(): Promise<Record<string, unknown> | void>;
}

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
