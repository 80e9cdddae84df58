import React, { ComponentType, useCallback, useEffect, useMemo } from 'react';
import { CoreApp, QueryEditorProps } from '@grafana/data';
import { Combobox, ComboboxOption, InlineField, Stack } from '@grafana/ui';

import { QUERY_TYPES, type QueryType } from '../../pkg/model/query';
import type { DataSource } from '../datasource';
import { migrateQuery } from '../migrations';
import { Components } from '../selectors';
import { AnalyticsOptions, AnalyticsQuery, DEFAULT_QUERY } from '../types';
import { AnomaliesEditor } from './editors/AnomaliesEditor';
import { CompareEditor } from './editors/CompareEditor';
import { CorrelationEditor, metricsError } from './editors/CorrelationEditor';
import { ForecastEditor } from './editors/ForecastEditor';
import { LogsEditor } from './editors/LogsEditor';
import { measuresError } from './editors/MeasuresField';
import { LABEL_WIDTH, TypeEditorProps, useFieldCatalog } from './editors/shared';
import { SpikeEditor } from './editors/SpikeEditor';
import { SummaryEditor } from './editors/SummaryEditor';
import { TrendEditor } from './editors/TrendEditor';
import { validateHorizon, validateWindow } from './validation';

type Props = QueryEditorProps<DataSource, AnalyticsQuery, AnalyticsOptions>;

/** Each query type's editor, showing only the fields that type uses. */
const EDITORS: Record<QueryType, ComponentType<TypeEditorProps>> = {
  summary: SummaryEditor,
  trend: TrendEditor,
  anomalies: AnomaliesEditor,
  correlation: CorrelationEditor,
  compare: CompareEditor,
  spike: SpikeEditor,
  logs: LogsEditor,
  forecast: ForecastEditor,
};

const TYPE_INFO: Record<QueryType, { label: string; description: string }> = {
  summary: {
    label: 'Summary',
    description: 'Requests, latency percentiles, error rate, throughput; per group (alertable with one measure)',
  },
  trend: {
    label: 'Trend',
    description: 'An aggregate per time bucket, a series per group, optionally with a seasonal band (alertable)',
  },
  anomalies: {
    label: 'Anomalies',
    description:
      'Requests with unusual values (z-score, MAD, IQR); with a seasonality, buckets unusual for their time of day or week (alertable with seasonality)',
  },
  correlation: { label: 'Correlation', description: 'Correlation matrix of numeric fields' },
  compare: { label: 'Compare', description: 'Models side by side (alertable with one measure)' },
  spike: { label: 'Spike', description: 'What changed in the time range against the period before it' },
  logs: { label: 'Logs', description: 'The raw requests, newest first' },
  forecast: {
    label: 'Forecast',
    description: "A trend's next buckets with a 95% band, a series per group (alertable: fire before a threshold)",
  },
};

/** Query types whose frames an alert condition can use (numbers per series or per row). */
const ALERTING_TYPES: readonly QueryType[] = ['trend', 'summary', 'compare', 'forecast', 'anomalies'];

/** Fields of the query model; a query with any of them but no queryType runs as summary. */
const ANALYSIS_KEYS = [
  'metric',
  'aggregation',
  'window',
  'method',
  'threshold',
  'metrics',
  'correlation',
  'groupBy',
  'filters',
  'limit',
  'measures',
  'seasonality',
  'seasonalPeriods',
  'horizon',
] as const;

/**
 * The query as the editor shows it: migrated to the current schema; a new, empty query gets
 * DEFAULT_QUERY; a saved one without a type gets `summary` (as the backend runs it).
 * Returns the very same object when nothing changes.
 */
export function prepareQuery(query: AnalyticsQuery): AnalyticsQuery {
  const migrated = migrateQuery(query);
  if (migrated.queryType) {
    return migrated;
  }
  const saved = ANALYSIS_KEYS.some((key) => migrated[key] !== undefined);
  return saved
    ? { ...migrated, queryType: 'summary' }
    : { ...DEFAULT_QUERY, ...migrated, queryType: DEFAULT_QUERY.queryType };
}

/**
 * Whether a query is worth running: its typed values make sense (the messages say why not). In the
 * alert rule editor a summary or compare needs exactly one measure.
 */
export function isRunnable(query: AnalyticsQuery, alerting = false): boolean {
  const bucketed =
    query.queryType === 'trend' ||
    query.queryType === 'forecast' ||
    (query.queryType === 'anomalies' && query.seasonality !== undefined);
  if (bucketed && validateWindow(query.window ?? '') !== undefined) {
    return false;
  }
  if (query.queryType === 'forecast' && validateHorizon(query.horizon ?? '') !== undefined) {
    return false;
  }
  if (query.queryType === 'correlation' && metricsError(query.metrics) !== undefined) {
    return false;
  }
  if (
    (query.queryType === 'summary' || query.queryType === 'compare') &&
    measuresError(query.measures, alerting) !== undefined
  ) {
    return false;
  }
  return true;
}

/** The query with a change applied; keys set to undefined are removed. */
function applyPatch(query: AnalyticsQuery, patch: Partial<AnalyticsQuery>): AnalyticsQuery {
  const next: AnalyticsQuery = { ...query, ...patch };
  for (const key of Object.keys(patch) as Array<keyof AnalyticsQuery>) {
    if (next[key] === undefined) {
      delete next[key];
    }
  }
  return next;
}

/**
 * The query editor of panels, Explore and alert rules: a query type, then only the fields that
 * type uses. Selections run the query at once; typed text runs it on blur.
 */
export function QueryEditor({ query, onChange, onRunQuery, datasource, app }: Props) {
  const current = useMemo(() => prepareQuery(query), [query]);
  const catalog = useFieldCatalog(datasource);
  const alerting = app === CoreApp.UnifiedAlerting || app === CoreApp.CloudAlerting;

  useEffect(() => {
    if (current !== query) {
      // Store the migrated or defaulted query once, so that what runs is what the editor shows.
      onChange(current);
    }
  }, [current, query, onChange]);

  const change = useCallback(
    (patch: Partial<AnalyticsQuery>, run: boolean) => {
      const next = applyPatch(current, patch);
      onChange(next);
      if (run && isRunnable(next, alerting)) {
        onRunQuery();
      }
    },
    [current, onChange, onRunQuery, alerting]
  );

  const queryType = current.queryType ?? 'summary';
  const typeOptions: Array<ComboboxOption<QueryType>> = QUERY_TYPES.filter(
    (type) => !alerting || ALERTING_TYPES.includes(type) || type === queryType
  ).map((type) => ({ value: type, ...TYPE_INFO[type] }));
  const Editor = EDITORS[queryType];

  return (
    <Stack direction="column" gap={0} data-testid={Components.QueryEditor.container}>
      <InlineField
        label="Query type"
        labelWidth={LABEL_WIDTH}
        tooltip={
          alerting
            ? 'The analysis to run; alert rules can use trend, forecast, seasonal anomalies, and summary and compare with one measure'
            : 'The analysis to run on the requests of the time range'
        }
      >
        <Combobox<QueryType>
          data-testid={Components.QueryEditor.queryType}
          options={typeOptions}
          value={queryType}
          width={20}
          onChange={(option) => change({ queryType: option.value }, true)}
        />
      </InlineField>
      <Editor query={current} onChange={change} catalog={catalog} datasource={datasource} alerting={alerting} />
    </Stack>
  );
}
