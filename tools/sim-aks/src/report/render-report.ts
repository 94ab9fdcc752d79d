import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Mark, Timeline } from '../recorder.ts';
import type { Snapshot } from '../observe.ts';

/**
 * Turns the timelines the scenarios recorded into one self-contained HTML page (Spanish text).
 *
 * Plots are Vega-Lite specs compiled to Vega and rendered headless to SVG strings
 * (`renderer: 'none'`, inline data only, so nothing is fetched). The SVG is inlined in the page:
 * no scripts, fonts or external URLs. Vega's `toSVG()` is asynchronous, hence the Promise; the
 * output depends only on the arguments (no clock, no randomness), so equal input gives equal HTML.
 */

export interface ReportMeta {
  /** When the report was generated, as the caller wants it printed (kept out of the function for determinism). */
  readonly generatedAt: string;
  /** Tool versions to list at the bottom (name -> version). */
  readonly toolchain: Record<string, string>;
}

const PLOT_WIDTH = 640;
const PLOT_HEIGHT = 170;

/** Figures whose key says they are seconds get their production equivalent next to them. */
const SECONDS_KEY = /(seconds|secs|_s|segundos|\(s\))$/i;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Numbers the Spanish way (decimal comma), with at most `digits` decimals and no trailing zeros. */
export function formatNumber(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const fixed = n.toFixed(digits).replace(/\.?0+$/, '');
  return (fixed === '-0' ? '0' : fixed).replace('.', ',');
}

/** A duration in seconds as "45 s", "12 min 5 s" or "2 h 3 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 120) return `${formatNumber(seconds, 1)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${m} min`;
  return s > 0 ? `${m} min ${s} s` : `${m} min`;
}

/** Production seconds one simulated second stands for. */
function productionPerSimulated(timeline: Timeline): number {
  return timeline.timeScale > 0 ? 1 / timeline.timeScale : Number.NaN;
}

function compressionText(timeline: Timeline): string {
  return `1 s simulado = ${formatNumber(productionPerSimulated(timeline))} s de producción`;
}

/** Simulated duration of a timeline: the last sample or mark. */
function durationOf(timeline: Timeline): number {
  let end = 0;
  for (const s of timeline.samples) end = Math.max(end, s.t);
  for (const m of timeline.marks) end = Math.max(end, m.t);
  return end;
}

function simAndProduction(timeline: Timeline, seconds: number): string {
  const prod = seconds * productionPerSimulated(timeline);
  return `${formatNumber(seconds, 1)} s sim. (≈ ${formatDuration(prod)} de producción)`;
}

function formatFigure(timeline: Timeline, key: string, value: number | string): string {
  if (typeof value === 'number' && SECONDS_KEY.test(key)) return simAndProduction(timeline, value);
  return typeof value === 'number' ? formatNumber(value) : value;
}

function anchorOf(timeline: Timeline): string {
  return `esc-${timeline.scenario.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

interface Point {
  readonly t: number;
  readonly series: string;
  readonly value: number;
}

/**
 * One row per sample and series. Snapshots omit a pool (or pool/zone) with no Ready node, so every
 * series seen anywhere is filled with 0 where a sample lacks it.
 */
function seriesPoints(samples: readonly Snapshot[], keys: readonly string[], pick: (s: Snapshot, key: string) => number): Point[] {
  const points: Point[] = [];
  for (const key of keys) for (const s of samples) points.push({ t: s.t, series: key, value: pick(s, key) });
  return points;
}

function poolKeys(samples: readonly Snapshot[]): string[] {
  const keys = new Set<string>();
  for (const s of samples) {
    for (const k of Object.keys(s.readyNodes)) if (!k.includes('/')) keys.add(k);
    for (const k of Object.keys(s.nodes)) keys.add(k);
  }
  return [...keys].sort();
}

function poolZoneKeys(samples: readonly Snapshot[]): string[] {
  const keys = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.readyNodes)) if (k.includes('/')) keys.add(k);
  return [...keys].sort();
}

interface PlotInput {
  readonly timeline: Timeline;
  readonly points: Point[];
  readonly yTitle: string;
  /** Legend title; omitted for a single series (no legend). */
  readonly seriesTitle?: string;
}

/**
 * A step-line chart with the scenario's marks as labelled vertical rules. The bottom axis is
 * simulated seconds; a second, top axis shows the production-equivalent seconds over the same span
 * (independent x scale whose domain is the simulated one divided by `timeScale`).
 */
function plotSpec({ timeline, points, yTitle, seriesTitle }: PlotInput): TopLevelSpec {
  const end = Math.max(durationOf(timeline), 1);
  const simScale = { domain: [0, end], nice: false, zero: true };
  const factor = productionPerSimulated(timeline);
  const marks = timeline.marks.map((m: Mark, i: number) => ({ t: m.t, label: m.label, y: 2 + 12 * (i % 3) }));
  const layers: TopLevelSpec[] = [];
  const line = {
    data: { values: points },
    mark: { type: 'line', interpolate: 'step-after', point: points.length <= 60 },
    encoding: {
      x: { field: 't', type: 'quantitative', scale: simScale, title: 't (s simulados)' },
      y: { field: 'value', type: 'quantitative', title: yTitle, axis: { tickMinStep: 1, format: 'd' }, scale: { zero: true } },
      ...(seriesTitle ? { color: { field: 'series', type: 'nominal', title: seriesTitle, sort: 'ascending' } } : {}),
    },
  };
  layers.push(line as unknown as TopLevelSpec);
  if (marks.length > 0) {
    layers.push({
      data: { values: marks },
      mark: { type: 'rule', color: '#777', strokeDash: [4, 3] },
      encoding: { x: { field: 't', type: 'quantitative', scale: simScale, axis: null } },
    } as unknown as TopLevelSpec);
    layers.push({
      data: { values: marks },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, color: '#444' },
      encoding: {
        x: { field: 't', type: 'quantitative', scale: simScale, axis: null },
        y: { field: 'y', type: 'quantitative', axis: null, scale: { domain: [0, PLOT_HEIGHT], range: [0, PLOT_HEIGHT] } },
        text: { field: 'label' },
      },
    } as unknown as TopLevelSpec);
  }
  if (Number.isFinite(factor)) {
    layers.push({
      data: { values: [{ tp: 0 }, { tp: end * factor }] },
      mark: { type: 'point', opacity: 0 },
      encoding: {
        x: {
          field: 'tp',
          type: 'quantitative',
          scale: { domain: [0, end * factor], nice: false, zero: true },
          axis: { orient: 'top', title: 't equivalente en producción (s)', grid: false },
        },
      },
    } as unknown as TopLevelSpec);
  }
  return {
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    background: 'white',
    config: { font: 'sans-serif', axis: { labelFontSize: 10, titleFontSize: 11 }, legend: { labelFontSize: 10 } },
    layer: layers,
    resolve: { scale: { x: 'independent', y: 'independent' }, axis: { x: 'independent', y: 'independent' } },
  } as unknown as TopLevelSpec;
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

interface PlotDef {
  readonly heading: string;
  readonly input: PlotInput | undefined;
  readonly emptyNote: string;
}

function plotDefs(timeline: Timeline): PlotDef[] {
  const { samples } = timeline;
  const pools = poolKeys(samples);
  const zones = poolZoneKeys(samples);
  return [
    {
      heading: 'Nodos listos por pool',
      input: pools.length
        ? { timeline, points: seriesPoints(samples, pools, (s, k) => s.readyNodes[k] ?? 0), yTitle: 'nodos listos', seriesTitle: 'pool' }
        : undefined,
      emptyNote: 'Ningún pool aparece en las muestras.',
    },
    {
      heading: 'Nodos listos por pool y zona',
      input: zones.length
        ? { timeline, points: seriesPoints(samples, zones, (s, k) => s.readyNodes[k] ?? 0), yTitle: 'nodos listos', seriesTitle: 'pool/zona' }
        : undefined,
      emptyNote: 'Ningún nodo listo con zona en las muestras.',
    },
    {
      heading: 'Nodos GPU listos',
      input: { timeline, points: seriesPoints(samples, ['gpu'], (s) => s.gpuNodes), yTitle: 'nodos GPU' },
      emptyNote: '',
    },
    {
      heading: 'Pods pendientes',
      input: { timeline, points: seriesPoints(samples, ['pending'], (s) => s.pendingPods), yTitle: 'pods pendientes' },
      emptyNote: '',
    },
  ];
}

function figuresTable(timeline: Timeline): string {
  const keys = Object.keys(timeline.figures).sort();
  if (keys.length === 0) return '<p class="note">Sin cifras registradas.</p>';
  const rows = keys
    .map((k) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(formatFigure(timeline, k, timeline.figures[k]))}</td></tr>`)
    .join('\n');
  return `<table class="figures"><caption>Cifras</caption><thead><tr><th>Cifra</th><th>Valor</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function marksTable(timeline: Timeline): string {
  if (timeline.marks.length === 0) return '<p class="note">Sin hitos registrados.</p>';
  const rows = timeline.marks
    .map((m) => `<tr><td>${escapeHtml(simAndProduction(timeline, m.t))}</td><td>${escapeHtml(m.label)}</td></tr>`)
    .join('\n');
  return `<table class="marks"><caption>Hitos</caption><thead><tr><th>Momento</th><th>Hito</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

async function scenarioSection(timeline: Timeline): Promise<string> {
  const parts: string[] = [
    `<section class="scenario" id="${escapeHtml(anchorOf(timeline))}" data-scenario="${escapeHtml(timeline.scenario)}">`,
    `<h2>${escapeHtml(timeline.title)}</h2>`,
    `<p class="meta">Escenario <code>${escapeHtml(timeline.scenario)}</code> · perfil <code>${escapeHtml(timeline.profile)}</code> · ` +
      `${escapeHtml(compressionText(timeline))} · duración ${escapeHtml(simAndProduction(timeline, durationOf(timeline)))} · ` +
      `${timeline.samples.length} muestras</p>`,
  ];
  if (timeline.samples.length === 0) {
    parts.push('<p class="note empty">Este escenario no registró muestras (sin muestras): no hay gráficas que mostrar.</p>');
  } else {
    for (const def of plotDefs(timeline)) {
      parts.push('<figure class="plot">');
      parts.push(def.input ? await renderSvg(plotSpec(def.input)) : `<p class="note">${escapeHtml(def.emptyNote)}</p>`);
      parts.push(
        `<figcaption>${escapeHtml(def.heading)}. Eje inferior: segundos de tiempo simulado; eje superior: equivalente en producción ` +
          `(t / ${escapeHtml(formatNumber(timeline.timeScale, 4))}; ${escapeHtml(compressionText(timeline))}). ` +
          'Las líneas discontinuas son los hitos del escenario.</figcaption>',
      );
      parts.push('</figure>');
    }
  }
  parts.push(marksTable(timeline), figuresTable(timeline), '</section>');
  return parts.join('\n');
}

function summaryTable(timelines: readonly Timeline[]): string {
  if (timelines.length === 0) return '<p class="note">No hay líneas de tiempo: ningún escenario ha dejado resultados.</p>';
  const rows = timelines.map((tl) => {
    const figures = Object.keys(tl.figures)
      .sort()
      .map((k) => `<li>${escapeHtml(k)}: ${escapeHtml(formatFigure(tl, k, tl.figures[k]))}</li>`)
      .join('');
    return (
      `<tr><td><a href="#${escapeHtml(anchorOf(tl))}">${escapeHtml(tl.title)}</a><br><code>${escapeHtml(tl.scenario)}</code></td>` +
      `<td>${escapeHtml(tl.profile)}</td><td>${escapeHtml(simAndProduction(tl, durationOf(tl)))}</td>` +
      `<td>${figures ? `<ul>${figures}</ul>` : '—'}</td></tr>`
    );
  });
  return (
    '<table class="summary"><caption>Resumen</caption><thead><tr><th>Escenario</th><th>Perfil</th><th>Duración</th><th>Cifras</th></tr></thead>' +
    `<tbody>\n${rows.join('\n')}\n</tbody></table>`
  );
}

function compressionLine(timelines: readonly Timeline[]): string {
  const byProfile = new Map<string, string>();
  for (const tl of timelines) byProfile.set(tl.profile, compressionText(tl));
  const profiles = [...byProfile.entries()].sort(([a], [b]) => a.localeCompare(b));
  const detail = profiles.length
    ? profiles.map(([p, c]) => `perfil <code>${escapeHtml(p)}</code>: ${escapeHtml(c)}`).join('; ')
    : 'sin perfiles';
  return `<p class="lead">Todos los tiempos son de la simulación (segundos simulados), comprimidos respecto a producción — ${detail}.</p>`;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; color: #222; }
h1 { margin-bottom: .2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
td ul { margin: 0; padding-left: 1.1rem; }
section.scenario { border-top: 2px solid #ddd; margin-top: 2rem; padding-top: .5rem; }
figure.plot { margin: 1rem 0; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #555; }
.meta, .note { color: #555; font-size: .9rem; }
.note.empty { background: #fff6e0; border-left: 4px solid #e0a800; padding: .4rem .6rem; }
footer { margin-top: 2rem; font-size: .85rem; color: #555; }
`;

/** The whole report: summary first, then one section per timeline in the order given. */
export async function renderReport(timelines: readonly Timeline[], meta: ReportMeta): Promise<string> {
  const sections: string[] = [];
  for (const tl of timelines) sections.push(await scenarioSection(tl));
  const toolchain = Object.keys(meta.toolchain)
    .sort()
    .map((k) => `<li>${escapeHtml(k)}: <code>${escapeHtml(meta.toolchain[k])}</code></li>`)
    .join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="es">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Informe del AKS simulado</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>Informe del AKS simulado</h1>',
    compressionLine(timelines),
    `<p class="meta">Generado: ${escapeHtml(meta.generatedAt)} · ${timelines.length} escenarios</p>`,
    '</header>',
    '<main>',
    summaryTable(timelines),
    ...sections,
    '</main>',
    `<footer><p>Herramientas:</p>${toolchain ? `<ul>${toolchain}</ul>` : '<p>—</p>'}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
