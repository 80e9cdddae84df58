import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

/**
 * A stand-in for Grafana's template service with the behaviour this data source relies on:
 * `$name`, `${name}`, `${name:format}` and `[[name]]`; scoped variables win over dashboard ones;
 * the `json` format is JSON.stringify of the value; the default format of a multi-value is `{a,b}`.
 */
export function fakeTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  const pattern = /\$(\w+)|\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]/g;
  return {
    getVariables: () => [],
    containsTemplate: (target?: string) => Boolean(target && /\$|\[\[/.test(target)),
    updateTimeRange: () => {},
    replace(target?: string, scopedVars?: ScopedVars, format?: string | Function) {
      return (target ?? '').replace(pattern, (match, a?: string, b?: string, fmt?: string, c?: string) => {
        const name = a ?? b ?? c ?? '';
        const scoped: unknown = scopedVars?.[name]?.value;
        const value = scoped !== undefined ? (scoped as string | string[]) : variables[name];
        if (value === undefined) {
          return match;
        }
        const wanted = fmt ?? (typeof format === 'string' ? format : undefined);
        if (wanted === 'json') {
          return JSON.stringify(value);
        }
        if (wanted === 'csv') {
          return Array.isArray(value) ? value.join(',') : value;
        }
        return Array.isArray(value) ? (value.length === 1 ? value[0] : `{${value.join(',')}}`) : value;
      });
    },
  };
}
