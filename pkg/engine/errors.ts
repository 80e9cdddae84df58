/** A query that cannot be answered as asked; its message is meant for the user. */
export class QueryError extends Error {}
