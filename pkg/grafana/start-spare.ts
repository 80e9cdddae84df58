/**
 * Imported first by main.ts, so that it runs before the other modules load: starts the spare data worker thread
 * (pkg/worker/spare.ts) when Grafana is the one starting us.
 */
import { startSpareWorker } from '../worker/spare';

if (process.env.grafana_plugin_type === 'datasource') {
  startSpareWorker();
}
