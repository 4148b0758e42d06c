/** The options every storefront run takes (node:util parseArgs): --quick, --out DIR, --help. */
export const RUN_OPTIONS = {
  quick: { type: 'boolean', default: false },
  out: { type: 'string', default: 'results' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
