import { loadLogs } from '../pkg/sources/load';
import { analyse } from '../pkg/engine/run';
(async () => {
  const s = await loadLogs(['/work/main/.cache/bench/rows-2000000-seed-1/inference.log']);
  const q = process.argv[2];
  const query: any =
    q === 'pearson'
      ? { queryType: 'correlation', correlation: 'pearson' }
      : q === 'trend'
        ? { queryType: 'trend', groupBy: ['model'], window: '1m', aggregation: 'p99' }
        : { queryType: 'summary', groupBy: ['model'] };
  for (let i = 0; i < +(process.env.N ?? 8); i++) {
    const t = performance.now();
    analyse(s, query, { range: process.argv[3] ? { from: 1795630920000, to: 1795634520000 } : {} });
    console.log(q, (performance.now() - t).toFixed(1));
  }
})();
