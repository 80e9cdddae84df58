/**
 * What a ClickHouse table holds, for health checks and the stats resource: server version, rows, time span,
 * models, hosts and files shipped, and the lines the shippers skipped by reason. Cheap on a large table: count()
 * comes from the parts' metadata, min/max read the 8-byte time column, hosts and files come from the small skips
 * table. Functions used (in 18.16 and current ClickHouse): version, count, min, max, sum, uniqExact, DISTINCT.
 */
import type { Queryable } from './context';
import { logTableName, skipTableName, TableRef } from './schema';

/** The same shape as describeLogs gives for files (requests, files, from, to, models, skipped), and more. */
export interface ClickHouseDescription {
  /** The server's version, e.g. 18.16.1. */
  version: string;
  /** `db.table` queried. */
  table: string;
  requests: number;
  /** Log files shipped (distinct file identities). */
  files: number;
  /** Hosts that shipped. */
  hosts: number;
  /** First and last request, ISO-8601 UTC; null when there are none. */
  from: string | null;
  to: string | null;
  models: string[];
  skipped: Record<string, number>;
}

const iso = (us: number): string => new Date(us / 1000).toISOString();

/** Describes the logs in `ref`'s tables; fails with the client's ClickHouseError (unreachable, refused, no table). */
export async function describeTable(client: Queryable, ref: TableRef): Promise<ClickHouseDescription> {
  const table = logTableName(ref);
  const skips = skipTableName(ref);
  const [[{ v }], [span], models, shippers, skipRows] = await Promise.all([
    client.query<{ v: string }>('SELECT version() AS v'),
    client.query<{ n: number; lo: number; hi: number }>(
      `SELECT count() AS n, min(ts_us) AS lo, max(ts_us) AS hi FROM ${table}`
    ),
    client.query<{ m: string }>(`SELECT DISTINCT model AS m FROM ${table}`),
    client.query<{ hosts: number; files: number }>(
      `SELECT uniqExact(host) AS hosts, uniqExact(src_file) AS files FROM ${skips}`
    ),
    client.query<{ reason: string; n: number }>(
      `SELECT reason, sum(lines) AS n FROM ${skips} WHERE reason != '' GROUP BY reason`
    ),
  ]);
  const requests = Number(span.n);
  const skipped: Record<string, number> = {};
  for (const row of skipRows.sort((a, b) => Number(b.n) - Number(a.n) || (a.reason < b.reason ? -1 : 1))) {
    if (Number(row.n) > 0) {
      skipped[row.reason] = Number(row.n);
    }
  }
  return {
    version: String(v),
    table: `${ref.database}.${ref.table}`,
    requests,
    files: Number(shippers[0]?.files ?? 0),
    hosts: Number(shippers[0]?.hosts ?? 0),
    from: requests > 0 ? iso(Number(span.lo)) : null,
    to: requests > 0 ? iso(Number(span.hi)) : null,
    models: models.map((r) => String(r.m)).sort(),
    skipped,
  };
}
