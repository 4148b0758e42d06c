/**
 * Container health probe: GET http://127.0.0.1:$PORT<path> (default /health/live), exit 0 on a
 * 2xx answer. Node rather than curl: the slim base image has no curl.
 *   node docker/healthcheck.js [/health/ready]
 */
const path = process.argv[2] || '/health/live';
const port = process.env.PORT || '3000';

fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2500) })
  .then((response) => process.exit(response.ok ? 0 : 1))
  .catch(() => process.exit(1));
