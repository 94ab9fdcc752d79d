import { describe, expect, it } from 'vitest';
import type { Timeline } from '../recorder.ts';
import type { Snapshot } from '../observe.ts';
import { formatDuration, formatNumber, renderReport } from './render-report.ts';

const META = { generatedAt: '2025-01-02T03:04:05Z', toolchain: { node: 'v20.0.0', K8S_VERSION: 'v1.36.3' } };

function sample(t: number, over: Partial<Snapshot> = {}): Snapshot {
  return { t, readyNodes: {}, nodes: {}, gpuNodes: 0, pendingPods: 0, podsByPoolZone: {}, tenants: 0, ...over };
}

const scaleOut: Timeline = {
  scenario: 'scale-out',
  title: 'Escalado de premium <rápido>',
  profile: 'test',
  timeScale: 0.05,
  samples: [
    sample(0, { readyNodes: { system: 3, 'system/1': 1, 'system/2': 1, 'system/3': 1 }, nodes: { system: 3, premium: 0 } }),
    sample(1, { readyNodes: { system: 3, 'system/1': 1, 'system/2': 1, 'system/3': 1 }, nodes: { system: 3, premium: 2 }, pendingPods: 7 }),
    sample(2.5, {
      readyNodes: { system: 3, premium: 2, 'system/1': 1, 'system/2': 1, 'system/3': 1, 'premium/1': 1, 'premium/2': 1 },
      nodes: { system: 3, premium: 2 },
      pendingPods: 0,
    }),
  ],
  marks: [
    { t: 0.5, label: 'demanda premium' },
    { t: 2.4, label: 'pods premium en marcha' },
  ],
  figures: { timeToReadySeconds: 1.9, maxPending: 7, verdict: 'ok' },
};

const gpu: Timeline = {
  scenario: 'gpu-burst',
  title: 'Ráfaga de GPU',
  profile: 'test',
  timeScale: 0.05,
  samples: [
    sample(0, { readyNodes: { gpu: 0 }, nodes: { gpu: 0 } }),
    sample(3, { readyNodes: { gpu: 1, 'gpu/1': 1 }, nodes: { gpu: 1 }, gpuNodes: 1, pendingPods: 2 }),
    sample(6, { readyNodes: { gpu: 2, 'gpu/1': 1, 'gpu/2': 1 }, nodes: { gpu: 2 }, gpuNodes: 2 }),
  ],
  marks: [{ t: 1, label: 'trabajo GPU lanzado' }],
  figures: { gpuNodesMax: 2 },
};

/** The HTML of one scenario's section. */
function sectionOf(html: string, scenario: string): string {
  const start = html.indexOf(`data-scenario="${scenario}"`);
  expect(start).toBeGreaterThan(-1);
  const end = html.indexOf('</section>', start);
  expect(end).toBeGreaterThan(start);
  return html.slice(start, end);
}

const count = (text: string, needle: string | RegExp) => text.match(new RegExp(needle, 'g'))?.length ?? 0;

describe('renderReport', () => {
  it('renders a self-contained page with a summary and one section per scenario', async () => {
    const html = await renderReport([scaleOut, gpu], META);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('<h1>Informe del AKS simulado</h1>');
    expect(html).toContain('Todos los tiempos son de la simulación');
    expect(html).toContain('1 s simulado = 20 s de producción');
    expect(html).toContain('Generado: 2025-01-02T03:04:05Z');
    expect(html).toContain('K8S_VERSION');

    // Nothing is fetched: no scripts, no links to stylesheets or fonts, no URLs besides SVG namespaces.
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    const urls = (html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).filter((u) => !u.startsWith('http://www.w3.org/'));
    expect(urls).toEqual([]);

    expect(count(html, '<section class="scenario"')).toBe(2);
    // Titles are escaped HTML.
    expect(html).toContain('<h2>Escalado de premium &lt;rápido&gt;</h2>');
    expect(html).toContain('<h2>Ráfaga de GPU</h2>');

    // Summary table precedes the sections and lists both scenarios with duration and figures.
    const summary = html.slice(html.indexOf('<table class="summary">'), html.indexOf('</table>', html.indexOf('<table class="summary">')));
    expect(html.indexOf('<table class="summary">')).toBeLessThan(html.indexOf('<section'));
    expect(summary).toContain('scale-out');
    expect(summary).toContain('gpu-burst');
    expect(summary).toContain('2,5 s sim.'); // last sample of scale-out
    expect(summary).toContain('6 s sim. (≈ 2 min de producción)');
    expect(summary).toContain('maxPending: 7');
  });

  it('draws the four plots as SVG with the marks and lists the figures', async () => {
    const html = await renderReport([scaleOut, gpu], META);
    for (const tl of [scaleOut, gpu]) {
      const section = sectionOf(html, tl.scenario);
      expect(count(section, '<svg')).toBe(4);
      expect(count(section, '<figcaption>')).toBe(4);
      for (const m of tl.marks) {
        // a text label at the rule in each of the four plots, plus a row of the marks table
        expect(count(section, `>${m.label}</text>`)).toBe(4);
        expect(section).toContain(`<td>${m.label}</td>`);
      }
      expect(section).toContain('<table class="figures">');
      for (const key of Object.keys(tl.figures)) expect(section).toContain(`<th scope="row">${key}</th>`);
    }
    const scale = sectionOf(html, 'scale-out');
    // seconds figures get their production equivalent (1.9 s * 20 = 38 s)
    expect(scale).toContain('1,9 s sim. (≈ 38 s de producción)');
    expect(scale).toContain('<td>ok</td>');
    // legends name every pool and pool/zone series
    for (const series of ['premium', 'system', 'premium/1', 'premium/2', 'system/3']) expect(scale).toContain(`>${series}<`);
    expect(scale).toContain('t (s simulados)');
    expect(scale).toContain('t equivalente en producción (s)');
  });

  it('is deterministic for the same input', async () => {
    const a = await renderReport([scaleOut, gpu], META);
    const b = await renderReport([scaleOut, gpu], META);
    expect(b).toBe(a);
    const c = await renderReport([scaleOut, gpu], { ...META, generatedAt: 'otro momento' });
    expect(c).not.toBe(a);
  });

  it('says "sin muestras" for a timeline without samples instead of failing', async () => {
    const empty: Timeline = { scenario: 'vacio', title: 'Escenario vacío', profile: 'test', timeScale: 0.05, samples: [], marks: [], figures: {} };
    const html = await renderReport([empty, gpu], META);
    const section = sectionOf(html, 'vacio');
    expect(section).toContain('<h2>Escenario vacío</h2>');
    expect(section).toContain('sin muestras');
    expect(count(section, '<svg')).toBe(0);
    expect(count(sectionOf(html, 'gpu-burst'), '<svg')).toBe(4);
  });

  it('renders an empty list of timelines', async () => {
    const html = await renderReport([], META);
    expect(html).toContain('<h1>Informe del AKS simulado</h1>');
    expect(html).toContain('No hay líneas de tiempo');
  });
});

describe('formatting', () => {
  it('uses a decimal comma and readable durations', () => {
    expect(formatNumber(1.5)).toBe('1,5');
    expect(formatNumber(20)).toBe('20');
    expect(formatDuration(38)).toBe('38 s');
    expect(formatDuration(725)).toBe('12 min 5 s');
    expect(formatDuration(7380)).toBe('2 h 3 min');
  });
});
