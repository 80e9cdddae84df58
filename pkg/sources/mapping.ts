/**
 * A source's field map and preset, compiled: how the full (JSON.parse) path finds our fields in a record, and
 * which records a line holds. Plain top-level renames need none of this: the byte scanner reads them (the gate is
 * RecordMapping.of, called by LineParser and the ClickHouse shipper).
 */
import { FieldExpression, FieldMapError } from './field-map';
import type { SourceConfig as ScanConfig } from './line-batch';
import { presetOf } from './presets';

/** How to read a log: the byte scanner's settings, plus a preset (a named field map, README "Presets"). */
export interface MappedConfig extends ScanConfig {
  /** A preset's name (presets.ts); the field map's own entries override the preset's. */
  preset?: string;
}

/** The preset's field map and success statuses, overridden by the config's own. Throws on an unknown preset. */
export function effectiveConfig(config: MappedConfig): MappedConfig {
  const preset = presetOf(config.preset);
  if (!preset) {
    return config;
  }
  return {
    ...config,
    fieldMap: { ...preset.fieldMap, ...config.fieldMap },
    successStatuses: config.successStatuses ?? preset.successStatuses,
  };
}

/** Standard fields read from a record by the full path. */
const STANDARD = [
  'timestamp',
  'model',
  'latency_ms',
  'request_id',
  'status',
  'batch_size',
  'gpu_util',
  'memory_used_gb',
];

export class RecordMapping {
  /** Our field to its expression: every standard field (unmapped ones read their own name) and mapped extras. */
  readonly fields = new Map<string, FieldExpression>();
  /** Mapped fields that are not standard: extra columns. */
  readonly extras: FieldExpression[] = [];
  /** Top-level log fields the mapping reads: not kept as columns of their own. */
  readonly consumed = new Set<string>();
  readonly onlyMapped: boolean;
  readonly expandSpans: boolean;

  private constructor(config: MappedConfig) {
    const preset = presetOf(config.preset);
    const fieldMap = effectiveConfig(config).fieldMap ?? {};
    for (const [field, spec] of Object.entries(fieldMap)) {
      const expression = new FieldExpression(field, spec);
      this.fields.set(field, expression);
      for (const source of expression.sources) {
        this.consumed.add(source);
      }
      if (!STANDARD.includes(field)) {
        this.extras.push(expression);
      }
    }
    for (const field of STANDARD) {
      if (!this.fields.has(field)) {
        this.fields.set(field, new FieldExpression(field, `[${field}]`));
        this.consumed.add(field);
      }
    }
    this.onlyMapped = preset?.onlyMapped ?? false;
    this.expandSpans = preset?.expand === 'otlp-spans';
  }

  /**
   * The mapping a config needs, or null when its field map only renames standard fields to top-level names (the
   * byte scanner's case: the fast path). Throws FieldMapError on a bad entry, Error on an unknown preset.
   */
  static of(config: MappedConfig): RecordMapping | null {
    if (config.preset === undefined || config.preset === '' || config.preset === 'default') {
      const entries = Object.entries(config.fieldMap ?? {});
      const plain = entries.every(([field, spec]) => {
        const expression = new FieldExpression(field, spec); // throws on a bad one
        return STANDARD.includes(field) && expression.plainName !== null;
      });
      if (plain) {
        return null;
      }
    }
    return new RecordMapping(config);
  }

  /** The records one parsed line holds: OTLP span lines hold many; a string is why it holds none. */
  records(value: Record<string, unknown>): Array<Record<string, unknown>> | string {
    if (!this.expandSpans || !Array.isArray(value.resourceSpans)) {
      return [value]; // a line that is one span (or one request) is read as it is
    }
    const records: Array<Record<string, unknown>> = [];
    for (const resourceSpans of value.resourceSpans as unknown[]) {
      const rs = (resourceSpans ?? {}) as Record<string, unknown>;
      const resource = ((rs.resource ?? {}) as Record<string, unknown>).attributes ?? [];
      for (const scopeSpans of Array.isArray(rs.scopeSpans) ? rs.scopeSpans : []) {
        const ss = (scopeSpans ?? {}) as Record<string, unknown>;
        const scope = ((ss.scope ?? {}) as Record<string, unknown>).name;
        for (const span of Array.isArray(ss.spans) ? ss.spans : []) {
          if (typeof span === 'object' && span !== null && !Array.isArray(span)) {
            // The span's own fields, with its resource's attributes and scope name beside them.
            records.push({ ...(span as Record<string, unknown>), resource, scope });
          }
        }
      }
    }
    return records.length > 0 ? records : 'no_spans';
  }
}

export { FieldMapError };
