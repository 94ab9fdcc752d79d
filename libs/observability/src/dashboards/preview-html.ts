import type { Dashboard } from './dashboard';

const esc = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Stylesheet every preview links (written once as `preview.css`). */
export const PREVIEW_CSS = `body { font-family: system-ui, sans-serif; background: #111217; color: #d8d9da; margin: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } .desc { color: #9fa1a6; margin: 0 0 1rem; }
.grid { display: grid; grid-template-columns: repeat(24, 1fr); gap: .75rem; }
.panel { background: #181b1f; border: 1px solid #2c3235; border-radius: 4px; padding: .75rem; min-height: 9rem; }
.panel h2 { font-size: 1rem; margin: 0 0 .4rem; } .panel small { color: #6e9fff; font-weight: normal; }
.panel p { color: #9fa1a6; font-size: .85rem; margin: 0 0 .5rem; }
pre { background: #0b0c0e; padding: .5rem; white-space: pre-wrap; word-break: break-word; font-size: .75rem; margin: .3rem 0; }
.legend, .var { color: #73bf69; } .var { font-family: monospace; font-size: .8rem; }
`;

/**
 * A static HTML preview of a dashboard for reviewers without Azure: the same grid, titles, units,
 * descriptions and queries as the Grafana JSON (no data). Deterministic: no timestamps.
 */
export function dashboardPreviewHtml(d: Dashboard): string {
  const cards = d.panels
    .map(
      (p) => `<section class="panel" style="grid-column: span ${p.width ?? 12}">
<h2>${esc(p.title)} <small>${p.type} · ${p.unit}</small></h2>
<p>${esc(p.description)}</p>
${p.queries.map((q) => `<pre>${esc(q.expr)}${q.legend ? `\n<span class="legend">leyenda: ${esc(q.legend)}</span>` : ''}</pre>`).join('\n')}
</section>`,
    )
    .join('\n');
  const vars = (d.variables ?? []).map((v) => `<span class="var">$${esc(v.name)} = ${esc(v.query)}</span>`).join(' ');
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>${esc(d.title)}</title>
<link rel="stylesheet" href="preview.css">
</head>
<body>
<h1>${esc(d.title)}</h1>
<p class="desc">${esc(d.description)} ${vars} · uid <code>${esc(d.uid)}</code> · generado desde libs/observability/src/dashboards</p>
<div class="grid">
${cards}
</div>
</body>
</html>
`;
}
