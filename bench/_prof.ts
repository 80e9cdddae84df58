import { loadLogs } from '../pkg/sources/load';
import { analyse } from '../pkg/engine/run';
const QUERIES: Record<string, any> = {
  zscore: { queryType: 'anomalies', method: 'zscore', groupBy: ['model'], limit: 1000 },
  mean: { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'mean' },
  trend: { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'p99' },
  pearson: { queryType: 'correlation', correlation: 'pearson' },
  summary: { queryType: 'summary', groupBy: ['model'] },
};
(async () => {
  const rowsN = process.env.ROWS ?? '2000000';
  const input = JSON.parse(
    require('fs').readFileSync(`/work/main/.cache/bench/result-rows-${rowsN}.json`, 'utf8')
  ).input;
  const s = await loadLogs([input.file]);
  const q = process.argv[2];
  for (let i = 0; i < +(process.env.N ?? 8); i++) {
    const t = performance.now();
    analyse(s, QUERIES[q], { range: process.argv[3] ? { from: input.hourFrom, to: input.hourTo } : {} });
    console.log(q, (performance.now() - t).toFixed(1));
  }
})();
