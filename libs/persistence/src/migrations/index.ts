import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { Reporting1764000001000 } from './1764000001000-reporting';
import { Releases1764000010000 } from './1764000010000-releases';

/** Every migration, oldest first; `npm run migrate` applies the pending ones. */
export const MIGRATIONS = [InitialSchema1764000000000, Reporting1764000001000, Releases1764000010000];
