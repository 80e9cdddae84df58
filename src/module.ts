import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { AnalyticsOptions, AnalyticsQuery, AnalyticsSecrets } from './types';

/*
 * Template variables and annotations are not registered here: the data source carries them itself
 * (`variables = new AnalyticsVariableSupport(this)`, `annotations = analyticsAnnotationSupport`),
 * which is how Grafana finds their editors since 7.x. plugin.json must say `"annotations": true`.
 */
export const plugin = new DataSourcePlugin<DataSource, AnalyticsQuery, AnalyticsOptions, AnalyticsSecrets>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
