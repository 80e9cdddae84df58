import { AbsentFieldError, QueryError } from './errors';
import { LLM_COLUMNS } from './llm';
import { Frame } from './frames';

/**
 * The frame with only the value columns `measures` names, in that order, after its first `keyCount`
 * (group) columns; the whole frame when `measures` is absent. An alert condition picks one measure,
 * since Grafana labels each number by the group columns alone.
 */
export function pickMeasures(frame: Frame, keyCount: number, measures: string[] | undefined, queryType: string): Frame {
  if (measures === undefined) {
    return frame;
  }
  const keys = frame.fields.slice(0, keyCount);
  const values = new Map(frame.fields.slice(keyCount).map((f) => [f.name, f]));
  const picked = measures.map((name) => {
    const field = values.get(name);
    if (!field && LLM_COLUMNS.includes(name)) {
      throw new AbsentFieldError(`the logs have no ${name.replace(/^[a-z0-9]+_/, '')} for ${name} (an LLM field)`);
    }
    if (!field) {
      throw new QueryError(`unknown measure "${name}" for ${queryType}; use any of ${[...values.keys()].join(', ')}`);
    }
    return field;
  });
  return { ...frame, fields: [...keys, ...picked] };
}
