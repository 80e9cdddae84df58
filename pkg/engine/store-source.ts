import type { AnalysisQuery, TimeRange } from '../model/query';
import { Store } from '../store/store';
import type { AnalysisSource, AnswerLimits } from './answer';
import { Frame } from './frames';
import { framesWithNotices } from './run';

/** The requests held in memory (a Store): the engine's analyses run over it directly. */
export class StoreSource implements AnalysisSource {
  constructor(readonly store: Store) {}

  async analyse(query: AnalysisQuery, range: TimeRange, intervalMs?: number, limits?: AnswerLimits): Promise<Frame[]> {
    return framesWithNotices(this.store, query, { range, intervalMs, limits });
  }
}
