/**
 * What the HTML report reads besides analyses: the selection's time span, the whole logs' totals and the lines
 * skipped. Implemented for the in-memory store (here) and for ClickHouse (ClickHouseSource), so the report is the
 * same from either.
 */
import type { Filters, TimeRange } from '../model/query';
import type { AnalysisSource } from './answer';
import { select, selectionSpan } from './select';
import { StoreSource } from './store-source';
import { spanSeconds } from './summary';

/** First and last request time, epoch µs. */
export interface TimeSpan {
  startUs: number;
  endUs: number;
}

/** Lines skipped by reason, and values kept as missing by field, over every line read. */
export interface Skips {
  skipped: Record<string, number>;
  invalidValues: Record<string, number>;
}

export interface ReportSource extends AnalysisSource {
  /** The selected requests' first and last time (null when none), and the seconds throughput is measured over. */
  span(range: TimeRange, filters: Filters): Promise<{ data: TimeSpan | null; seconds: number }>;
  /** All the logs, whatever the range and filters: requests and their span (null when none). */
  totals(): Promise<{ requests: number; span: TimeSpan | null }>;
  skips(): Promise<Skips>;
}

/** The report's reads over the in-memory store. */
export class StoreReportSource extends StoreSource implements ReportSource {
  async span(range: TimeRange, filters: Filters): Promise<{ data: TimeSpan | null; seconds: number }> {
    const selection = select(this.store, range, filters);
    return { data: selectionSpan(selection, 'data'), seconds: spanSeconds(selection) };
  }

  async totals(): Promise<{ requests: number; span: TimeSpan | null }> {
    return { requests: this.store.length, span: selectionSpan(select(this.store, {}, {})) };
  }

  async skips(): Promise<Skips> {
    return { skipped: { ...this.store.skipped }, invalidValues: { ...this.store.invalidValues } };
  }
}
