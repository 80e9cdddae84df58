/** Child process: loads the benchmark file into our store, then times the queries. */
import type { AnalysisQuery, TimeRange } from '../pkg/model/query';
import { analyse } from '../pkg/engine/run';
import type { Frame } from '../pkg/engine/frames';
import { loadLogs } from '../pkg/sources/load';
import { Store } from '../pkg/store/store';
import { answersOf, benchJobs } from './answers';
import { EngineReport, heldBytes, inputOf, peakRss, QueryName, report, timeRuns } from './common';

async function main(): Promise<void> {
  const input = inputOf(process.argv);
  const before = heldBytes();
  const start = performance.now();
  const store: Store = await loadLogs([input.file]);
  const loadMs = performance.now() - start;
  const peakAfterLoad = peakRss();
  const held = heldBytes() - before;
  process.stderr.write(`ours: loaded ${store.length} rows in ${(loadMs / 1000).toFixed(2)} s\n`);

  const run = (query: AnalysisQuery, range: TimeRange): Frame[] => analyse(store, query, { range });
  const jobs = benchJobs(input).map(([name, asked]): [QueryName, () => Frame[] | Frame[][]] => [
    name,
    () => (asked.length === 1 ? run(...asked[0]) : asked.map((a) => run(...a))),
  ]);
  const queries: Record<string, number> = {};
  const runsMs: Record<string, number[]> = {};
  const firstRunMs: Record<string, number> = {};
  const results = new Map<QueryName, Frame[] | Frame[][]>();
  for (const [name, job] of jobs) {
    const timed = await timeRuns(input.warmups, input.runs, job);
    queries[name] = timed.ms;
    runsMs[name] = timed.all;
    firstRunMs[name] = timed.firstMs;
    results.set(name, timed.result);
    process.stderr.write(`ours: ${name}: ${timed.ms.toFixed(1)} ms\n`);
  }

  const answers = answersOf((name) => results.get(name)!);
  const result: EngineReport = {
    loadMs,
    rows: store.length,
    peakRssBytes: peakAfterLoad,
    bytesPerRow: held / store.length,
    queries,
    firstRunMs,
    runsMs,
    answers,
    notes: [],
  };
  report(result);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
