import { runApp } from '@orderflow/http/run-app';
import { createReportingApp } from './reporting-app';

/** The reporting service: `npm run start:reporting`. Needs only DATABASE_REPLICA_URL and PORT (MAX_REPLICA_LAG_SECONDS optional). */
void runApp('reporting', ['DATABASE_REPLICA_URL', 'PORT'], createReportingApp);
