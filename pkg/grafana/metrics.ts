import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InstanceManager } from './instances';

/**
 * The backend's own metrics, in Prometheus text, for Grafana's /metrics/plugins/<id>:
 * queries and their latency, rows held, lines skipped, bytes read (as each data worker last posted them), and the
 * process' memory.
 */
export class BackendMetrics {
  readonly registry = new Registry();
  readonly queries = new Counter({
    name: 'inference_logs_queries_total',
    help: 'Queries answered, by query type and outcome (ok or error).',
    labelNames: ['query_type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly queryDuration = new Histogram({
    name: 'inference_logs_query_duration_seconds',
    help: 'Time to answer one query, after the logs are read.',
    labelNames: ['query_type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly refreshDuration = new Histogram({
    name: 'inference_logs_read_duration_seconds',
    help: 'Time to read what was appended to the logs before answering a request.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  constructor(instances: InstanceManager) {
    collectDefaultMetrics({ register: this.registry, prefix: 'inference_logs_' });
    new Gauge({
      name: 'inference_logs_rows',
      help: 'Requests held in memory, by data source.',
      labelNames: ['datasource'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [uid, instance] of instances.all()) {
          this.set({ datasource: uid }, instance.status?.description.requests ?? 0);
        }
      },
    });
    new Gauge({
      name: 'inference_logs_skipped_lines',
      help: 'Log lines skipped, by data source and reason.',
      labelNames: ['datasource', 'reason'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [uid, instance] of instances.all()) {
          for (const [reason, count] of Object.entries(instance.status?.description.skipped ?? {})) {
            this.set({ datasource: uid, reason }, count);
          }
        }
      },
    });
    new Gauge({
      name: 'inference_logs_bytes_read',
      help: 'Log bytes read so far, by data source.',
      labelNames: ['datasource'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [uid, instance] of instances.all()) {
          this.set({ datasource: uid }, instance.status?.bytesRead ?? 0);
        }
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
