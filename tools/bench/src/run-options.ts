/** The options every storefront run takes (node:util parseArgs): --quick, --out DIR, --help. */
export const RUN_OPTIONS = {
  quick: { type: 'boolean', default: false },
  out: { type: 'string', default: 'results' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `--env NAME=VALUE` (repeatable): settings handed to the apps a run starts. */
export const APP_ENV_OPTION = { env: { type: 'string', multiple: true, default: [] as string[] } } as const;

export function appEnvFrom(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.filter((pair) => pair.includes('=')).map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]));
}
