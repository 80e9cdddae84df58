/** The page around the report's sections: one HTML document, inline CSS, light and dark colour schemes, no script. */
import { escapeHtml } from './html';

const CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1c2230; --muted: #5a6476; --border: #d9dee7; --card: #f5f7fa;
  --accent: #2f6fbf; --warn-bg: #fff6e0; --warn-fg: #6b4a00; --row: #fafbfc;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --fg: #e4e8ef; --muted: #9aa5b6; --border: #2f3642; --card: #1a1f27;
    --accent: #7fb2f0; --warn-bg: #3a2f12; --warn-fg: #f3d27a; --row: #161a21;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0 auto; padding: 24px 20px 48px; max-width: 920px;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  background: var(--bg); color: var(--fg);
}
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 14px; margin: 18px 0 4px; }
p, li { color: var(--fg); }
.meta, .note, figcaption { color: var(--muted); font-size: 13px; }
.meta { margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 10px; margin: 12px 0; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card.wide { grid-column: span 2; }
.card.wide .value { font-size: 14px; font-weight: 500; }
figure { margin: 8px 0 16px; }
figure svg { display: block; max-width: 100%; height: auto; color: var(--fg); }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--row); }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.table-wrap { overflow-x: auto; }
.empty { background: var(--warn-bg); color: var(--warn-fg); border-radius: 8px; padding: 14px 16px; margin: 16px 0; }
.empty p { color: var(--warn-fg); margin: 4px 0; }
dl.conventions dt { font-weight: 600; margin-top: 8px; }
dl.conventions dd { margin: 2px 0 0 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print { body { max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

/** The whole document: `body` is already escaped HTML; `title` is plain text. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="inference-logs report">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
