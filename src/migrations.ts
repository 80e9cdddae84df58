import { migrateSavedQuery } from '../pkg/model/migrate';
import { AnalyticsQuery } from './types';

/**
 * Any saved query (of any earlier schema version, or not an object at all) as a current
 * AnalyticsQuery. The rules live with the query model (pkg/model/migrate.ts), shared with the
 * backend, which migrates alert-rule and proxy queries the same way.
 */
export function migrateQuery(saved: unknown): AnalyticsQuery {
  return migrateSavedQuery(saved) as unknown as AnalyticsQuery;
}
