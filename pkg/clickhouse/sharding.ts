/**
 * Whether the log table is a Distributed table sharded by the model (what `clickhouse init --cluster` makes), so
 * that every model's rows are on one shard and a per-model aggregate can be finished on the shards
 * (`distributed_group_by_no_merge`). Read from system.tables' engine_full (present in 18.16 and current releases),
 * e.g. `Distributed(two, default, inference_logs_local, cityHash64(model))`; current releases quote the first three
 * arguments ('two'). Anything else (no key, rand(), another expression, not Distributed) is not model-sharded.
 */
import type { Queryable } from './context';
import { quoteString, SHARDING_KEY, TableRef } from './schema';

/** The arguments of a `Distributed(…)` engine as written, split at top-level commas; undefined for another engine. */
export function distributedArguments(engineFull: string): string[] | undefined {
  const head = /^\s*Distributed\s*\(/.exec(engineFull);
  if (!head) {
    return undefined;
  }
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = head[0].length;
  for (let i = start; i < engineFull.length; i++) {
    const c = engineFull[i];
    if (quote) {
      if (c === '\\') {
        i++;
      } else if (c === quote) {
        quote = '';
      }
    } else if (c === "'" || c === '`' || c === '"') {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
    } else if (c === ',' || c === ')') {
      args.push(engineFull.slice(start, i).trim());
      start = i + 1;
      if (c === ')') {
        return args;
      }
    }
  }
  return undefined; // unbalanced: not something we understand
}

/** True when the engine is Distributed with exactly cityHash64(model) as its sharding key (4th argument). */
export function shardedByModel(engineFull: string): boolean {
  const key = distributedArguments(engineFull)?.[3];
  // Spacing and identifier quotes do not change the key: cityHash64(`model`) is the same expression.
  return key !== undefined && key.replace(/[\s`"]/g, '') === SHARDING_KEY;
}

/** Asks the server about `ref`'s log table: true/false, or undefined when there is no such table (yet). */
export async function detectShardedByModel(client: Queryable, ref: TableRef): Promise<boolean | undefined> {
  const rows = await client.query<{ engine_full: string }>(
    `SELECT engine_full FROM system.tables WHERE database = ${quoteString(ref.database)} AND name = ${quoteString(ref.table)}`
  );
  return rows.length === 0 ? undefined : shardedByModel(String(rows[0].engine_full));
}
