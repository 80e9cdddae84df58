/**
 * Loads that keep only some columns: a one-shot question reads a few of them, and a column not kept costs neither
 * parsing nor memory. Every line is still read and every row kept, in the same order with the same skips; only
 * the columns not named stay empty — and asking for one of those throws, so that no answer is computed on them.
 */

/** The columns a load keeps. The time is always kept. */
export interface Projection {
  /**
   * Store columns to fill: standard fields (model, status, request_id for the rows' request ids, latency_ms,
   * batch_size, gpu_util, memory_used_gb) and extra fields, by name.
   */
  columns: readonly string[];
  /** The error flags (decided from each row's status). */
  errors: boolean;
}

/** A question asked of a column its load did not keep: a bug in what the question said it needs. */
export class ColumnNotLoadedError extends Error {
  constructor(name: string) {
    super(`the column "${name}" was not loaded: this load kept only the columns its question named`);
    this.name = 'ColumnNotLoadedError';
  }
}

/** The store's columns by name. With a projection, get() and has() of a column not kept throw. */
export class ColumnMap<C> extends Map<string, C> {
  private readonly keep: ReadonlySet<string> | null;

  constructor(projection: Projection | null) {
    super();
    this.keep = projection ? new Set(projection.columns) : null;
  }

  /** Does the load leave this column out (then its values are dropped as they come)? */
  lacks(name: string): boolean {
    return this.keep !== null && !this.keep.has(name);
  }

  override get(name: string): C | undefined {
    if (this.lacks(name)) {
      throw new ColumnNotLoadedError(name);
    }
    return super.get(name);
  }

  override has(name: string): boolean {
    if (this.lacks(name)) {
      throw new ColumnNotLoadedError(name);
    }
    return super.has(name);
  }

  /** get() without the check, for the store's own bookkeeping: undefined when not kept. */
  peek(name: string): C | undefined {
    return super.get(name);
  }
}
