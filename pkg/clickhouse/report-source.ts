/**
 * The HTML report's reads from ClickHouse: analyses through ClickHouseSource, the span and totals as SQL
 * aggregates (count, min, max of ts_us: no rows pulled into Node), the skips from the T_skips table.
 */
import type { Frame } from '../engine/frames';
import type { ReportSource, Skips, TimeSpan } from '../engine/report-source';
import type { AnalysisQuery, Filters, TimeRange } from '../model/query';
import { selection, SqlContext } from './context';
import { skipTableName } from './schema';
import { ClickHouseSource } from './source';
import { num, standardField, standardFields } from './sql';
import { dataSpan, spanSeconds } from './summary';

export class ClickHouseReportSource implements ReportSource {
  constructor(readonly source: ClickHouseSource) {}

  analyse(query: AnalysisQuery, range: TimeRange, intervalMs?: number): Promise<Frame[]> {
    return this.source.analyse(query, range, intervalMs);
  }

  async span(range: TimeRange, filters: Filters): Promise<{ data: TimeSpan | null; seconds: number }> {
    const ctx = await this.context(range, filters);
    const conditions = selection(ctx);
    const [span, seconds] = await Promise.all([dataSpan(ctx, conditions), spanSeconds(ctx, conditions)]);
    return { data: span && { startUs: span.loUs, endUs: span.hiUs }, seconds };
  }

  async totals(): Promise<{ requests: number; span: TimeSpan | null }> {
    const [row] = await this.source.client.query(
      `SELECT count() AS n, min(ts_us) AS lo, max(ts_us) AS hi FROM ${this.source.table}`
    );
    const requests = num(row.n);
    return { requests, span: requests > 0 ? { startUs: num(row.lo), endUs: num(row.hi) } : null };
  }

  /** The skip counts the shippers kept; values kept as missing are not shipped, so none are listed. */
  async skips(): Promise<Skips> {
    const rows = await this.source.client.query<{ reason: string; n: number }>(
      `SELECT reason, sum(lines) AS n FROM ${skipTableName(this.source.ref)} WHERE reason != '' GROUP BY reason`
    );
    const skipped: Record<string, number> = {};
    for (const row of rows) {
      if (num(row.n) > 0) {
        skipped[row.reason] = num(row.n);
      }
    }
    return { skipped, invalidValues: {} };
  }

  /** The SQL context of a selection: the table's extra fields are looked up only when a filter names one. */
  private async context(range: TimeRange, filters: Filters): Promise<SqlContext> {
    const extra = Object.keys(filters).some((name) => !standardField(name));
    return {
      client: this.source.client,
      table: this.source.table,
      query: { queryType: 'summary', filters },
      range,
      fields: extra ? await this.source.fields() : standardFields(),
    };
  }
}
