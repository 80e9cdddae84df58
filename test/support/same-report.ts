/**
 * For the doors' parity tests of the report and the CSV export. Two HTML reports are the same report: the same text, tables and charts, and every exact number (the `data-value`
 * attributes) within 1e-9 relative — the parity rule of the ClickHouse source, whose sums may run in another
 * order than the engine's. Not compared: when each was generated, and the number vega gives the heatmap's
 * gradient (a counter of the process, so it differs between two renders in one process).
 */
import { expectSameNumbers } from './shipped-logs';

const VALUE = /data-value="([^"]*)"/g;

function shape(html: string): string {
  return html
    .replace(VALUE, 'data-value=""')
    .replace(/gradient_\d+/g, 'gradient_N')
    .replace(/Generated [^<]* UTC by/, 'Generated … UTC by');
}

export function expectSameReport(actual: string, expected: string): void {
  expect(shape(actual)).toBe(shape(expected));
  const values = (html: string) => Array.from(html.matchAll(VALUE), (m) => Number(m[1]));
  expectSameNumbers(values(actual), values(expected), 'data-value');
}

/**
 * A CSV export without one of its columns, and that column's distinct values. For exports of the generated logs,
 * whose cells are never quoted: ClickHouse's has a host column (the shipper's label) the files' has not.
 */
export function withoutColumn(csv: string, name: string): { csv: string; values: Set<string> } {
  const lines = csv.split('\r\n');
  const at = lines[0].split(',').indexOf(name);
  expect(at).toBeGreaterThanOrEqual(0);
  const values = new Set<string>();
  const kept = lines.map((line, row) => {
    if (line === '') {
      return line;
    }
    const cells = line.split(',');
    if (row > 0) {
      values.add(cells[at]);
    }
    cells.splice(at, 1);
    return cells.join(',');
  });
  return { csv: kept.join('\r\n'), values };
}
