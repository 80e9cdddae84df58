import { SKIP_REASONS } from '../store/skip-reasons';
import { Store } from '../store/store';

/** A column of an answer. Time values are microseconds since the epoch; NaN means missing. */
export type FrameField =
  | { name: string; type: 'time'; values: ArrayLike<number>; labels?: Record<string, string> }
  | { name: string; type: 'number'; values: ArrayLike<number>; labels?: Record<string, string>; unit?: string }
  | { name: string; type: 'string'; values: ArrayLike<string | null>; labels?: Record<string, string> };

/** A message about an answer, shown on its panel (Grafana's QueryResultMetaNotice). */
export interface Notice {
  severity: 'info' | 'warning' | 'error';
  text: string;
}

/** What an answer says about itself (the part of Grafana's QueryResultMeta the engine fills). */
export interface FrameMeta {
  /** The data plane type (`timeseries-multi`, `numeric-long`, ...) and its version. */
  type?: string;
  typeVersion?: [number, number];
  notices?: Notice[];
  /** How Grafana's Explore shows it (`logs`, `table`, ...). */
  preferredVisualisationType?: string;
  custom?: Record<string, unknown>;
}

/** An answer before it is encoded (pkg/format encodes it for each door). */
export interface Frame {
  name: string;
  fields: FrameField[];
  meta?: FrameMeta;
}

/** The data plane type of one frame per series: a time field and a labelled number field. */
export const TIMESERIES_MULTI = 'timeseries-multi';

/**
 * Warnings about the input that every answer carries: lines skipped, values not usable, and request ids this
 * answer could not read back from the log files.
 */
/**
 * Skip counts as every door lists them: most first, ties by reason name (not by which line came first: the scan
 * workers count a batch's skips together, so that order depends on how the file was cut).
 */
export function skipsInOrder(skipped: Record<string, number>): Array<[string, number]> {
  return Object.entries(skipped).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function inputNotices(store: Store, unavailableIds = 0): Notice[] {
  const notices: Notice[] = [];
  const total = store.skippedTotal();
  if (total > 0) {
    const parts = skipsInOrder(store.skipped).map(([reason, count]) => `${reason} ${count}`);
    notices.push({
      severity: 'warning',
      text: `Skipped ${total} log line${total === 1 ? '' : 's'}: ${parts.join(', ')}`,
    });
  }
  const unread = store.unreadFiles;
  if (unread.length > 0) {
    // The rest is served; the operator learns what to fix (names relative to the configured path).
    const shown = unread.slice(0, 5).join('; ') + (unread.length > 5 ? `; and ${unread.length - 5} more` : '');
    notices.push({ severity: 'warning', text: `Not read: ${shown}` });
  }
  const invalid = Object.entries(store.invalidValues);
  if (invalid.length > 0) {
    notices.push({
      severity: 'info',
      text: `Values kept as missing because they are not numbers: ${invalid.map(([f, n]) => `${f} ${n}`).join(', ')}`,
    });
  }
  if (unavailableIds > 0) {
    notices.push({
      severity: 'warning',
      text: `${unavailableIds} request id${unavailableIds === 1 ? '' : 's'} shown empty: the log file holding ${
        unavailableIds === 1 ? 'it' : 'them'
      } was removed or rewritten`,
    });
  }
  return notices;
}

/** Describes a skip reason for people (README and CLI help). */
export function describeSkipReason(reason: string): string {
  return SKIP_REASONS[reason] ?? reason;
}
