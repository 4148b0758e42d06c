import { SERVICES, VERSION_PATTERN } from '@orderflow/release/release-types';
import { compileValidator } from './schema-validator';

/** Request bodies of the session and release admin routes (docs/releases.md); the OpenAPI document uses the same. */

export const serviceSchema = { enum: [...SERVICES] } as const;
export const versionSchema = { type: 'string', pattern: VERSION_PATTERN, examples: ['2.0.0'] } as const;

export const startReleaseSchema = {
  title: 'StartRelease',
  type: 'object',
  additionalProperties: false,
  required: ['service', 'version'],
  properties: {
    service: serviceSchema,
    version: { ...versionSchema, description: 'The candidate version' },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: { type: 'integer', minimum: 1, maximum: 100 },
      description: 'Percent of customers on the candidate at each step, strictly increasing, ending at 100 (default [10, 50, 100])',
    },
    stepSeconds: { type: 'integer', minimum: 1, maximum: 86400, description: 'Length of each step window (default 300)' },
    stable: { ...versionSchema, description: "Only for a service's first release, when its live instances do not tell the stable version" },
    bounds: { type: 'object', description: 'Limits of the candidate against stable for the automatic analysis (docs/releases.md)' },
  },
} as const;
export const validateStartRelease = compileValidator<{
  service: string;
  version: string;
  steps?: number[];
  stepSeconds?: number;
  stable?: string;
  bounds?: Record<string, unknown>;
}>(startReleaseSchema);

export const releaseActionSchema = {
  title: 'ReleaseAction',
  type: 'object',
  additionalProperties: false,
  properties: {
    service: { ...serviceSchema, description: 'Needed only when releases of several services are running' },
    reason: { type: 'string', maxLength: 500, description: 'Recorded with the decision (abort)' },
  },
} as const;
export const validateReleaseAction = compileValidator<{ service?: string; reason?: string }>(releaseActionSchema);

export const pinSchema = {
  title: 'Pin',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: { version: versionSchema },
} as const;
export const validatePin = compileValidator<{ version: string }>(pinSchema);
