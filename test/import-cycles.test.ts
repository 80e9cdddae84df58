/**
 * No runtime import cycles: the modules each entry point loads (the CLI, the backend, the frontend, the workers)
 * form a graph without cycles, so every module is fully initialised before its importers run, and the layers stay
 * layers. Type-only imports are erased by the compiler and do not count. esbuild (the CLI's and the backend's
 * bundler) resolves the imports, so the graph is the one that runs.
 */
import { buildSync } from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const ENTRIES = [
  'pkg/cli/main.ts',
  'pkg/grafana/main.ts',
  'pkg/sources/scan-worker.ts',
  'src/module.ts',
  ...['pkg/http/server.ts', 'pkg/report/report.ts', 'pkg/clickhouse/ship.ts'],
].map((p) => join(ROOT, p));

/** Our modules and what each imports at run time (packages left out). */
function importGraph(): Map<string, string[]> {
  const result = buildSync({
    entryPoints: ENTRIES,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    outdir: join(ROOT, '.cache', 'import-cycles'),
    packages: 'external',
    logLevel: 'silent',
    loader: { '.svg': 'empty', '.png': 'empty', '.css': 'empty' },
  });
  const graph = new Map<string, string[]>();
  for (const [file, input] of Object.entries(result.metafile!.inputs)) {
    if (file.includes('node_modules')) {
      continue;
    }
    graph.set(
      file,
      input.imports.filter((i) => !i.external && !i.path.includes('node_modules')).map((i) => i.path)
    );
  }
  return graph;
}

/** Strongly connected components of more than one module (or a module importing itself): Tarjan's algorithm. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) {
        found.push(component.map((f) => relative(ROOT, join(ROOT, f))).sort());
      }
    }
  };
  for (const v of graph.keys()) {
    if (!index.has(v)) {
      visit(v);
    }
  }
  return found;
}

describe('imports', () => {
  const graph = importGraph();

  it('reach our modules of every layer (the graph is not empty)', () => {
    const files = [...graph.keys()];
    for (const dir of ['pkg/cli/', 'pkg/engine/', 'pkg/sources/', 'pkg/store/', 'pkg/grafana/', 'src/components/']) {
      expect(files.some((f) => f.startsWith(dir))).toBe(true);
    }
  });

  it('have no runtime cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const made = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(made)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps the engine free of doors, encoders and the reading of files', () => {
    const engine = [...graph.entries()].filter(([file]) => file.startsWith('pkg/engine/'));
    const reaches = engine.flatMap(([file, imports]) =>
      imports
        .filter((i) => /^pkg\/(cli|http|grafana|clickhouse|report|worker|format|sources)\//.test(i))
        .map((i) => `${file} -> ${i}`)
    );
    expect(reaches).toEqual([]);
  });

  it('keeps the engine and the store free of Grafana packages (plain frames; pkg/format encodes them)', () => {
    const offenders = [...readdirSync(join(ROOT, 'pkg', 'engine')), ...readdirSync(join(ROOT, 'pkg', 'store'))]
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => (existsSync(join(ROOT, 'pkg', 'engine', name)) ? `pkg/engine/${name}` : `pkg/store/${name}`))
      .filter((file) => /from '@grafana\//.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
