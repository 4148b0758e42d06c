/** Where global-setup.ts leaves the addresses of the medium tier's services for the suites. */
export const MEDIUM_ENV = {
  adminUrl: 'ORDERFLOW_MEDIUM_ADMIN_URL',
  template: 'ORDERFLOW_MEDIUM_TEMPLATE',
  redisUrl: 'ORDERFLOW_MEDIUM_REDIS_URL',
  sqsEndpoint: 'ORDERFLOW_MEDIUM_SQS_ENDPOINT',
} as const;
