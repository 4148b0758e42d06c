import { loadConfig } from '@orderflow/config/app-config';
import { runApp } from '@orderflow/http/run-app';
import { createApiApp } from './api-app';

/** The REST API: `npm run start:api`. */
void runApp('api', () => loadConfig(['DATABASE_URL', 'REDIS_URL', 'PORT']), createApiApp);
