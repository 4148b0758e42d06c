import { runApp } from '@orderflow/http/run-app';
import { createApiApp } from './api-app';

/** The REST API: `npm run start:api`. */
void runApp('api', ['DATABASE_URL', 'REDIS_URL', 'PORT'], createApiApp);
