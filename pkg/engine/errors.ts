/** A query that cannot be answered as asked; its message is meant for the user. */
export class QueryError extends Error {}

/**
 * A query naming a field these logs do not have (filter, group-by, metric). Only the logs can tell, so the CLI checks
 * everything else about a query before reading them and this after.
 */
export class UnknownFieldError extends QueryError {}

/**
 * A query about an optional field these logs do not have (an LLM measure over logs without token counts): it has
 * no answer rather than a wrong one — no frames, as Grafana shows "No data" — so that a dashboard row for such
 * fields stays quiet over logs without them.
 */
export class AbsentFieldError extends QueryError {}
