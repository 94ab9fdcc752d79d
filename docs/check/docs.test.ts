import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCodePaths, checkLinks, headings, listMarkdownFiles, splitFences, type DocProblem } from './markdown-links.ts';
import { checkMermaid, countMermaid, mermaidError } from './mermaid.ts';
import { checkStandalone, hashComments, listTrackedFiles, slashComments } from './standalone.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = 'docs/check/fixtures';
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const report = (problems: DocProblem[]): string[] => problems.map((p) => `${p.file}:${p.line}: ${p.message}`);

/** The structure issue 5 asks of the design document: file → headings that must exist, in this order. */
const REQUIRED_SECTIONS: Readonly<Record<string, readonly string[]>> = {
  'docs/diseno/README.md': ['1. Resumen y diagrama general', 'Índice'],
  'docs/diseno/2-requisitos.md': [
    '2.1 Alta disponibilidad y escalabilidad regional',
    '2.2 Modelos múltiples y GPU',
    '2.3 Optimización de costos',
    '2.4 Arquitectura de datos',
    '2.5 Seguridad y gobernanza multi-inquilino',
    '2.6 Observabilidad avanzada',
  ],
  'docs/diseno/3-capacidad-y-costes.md': [
    'Supuestos',
    'Tokens por segundo',
    'Réplicas y nodos por nivel de carga',
    'Coste mensual por entorno',
    'Coste por inquilino y tier',
  ],
  'docs/diseno/4-modos-de-fallo.md': [
    'Pérdida de una zona',
    'Desalojo spot',
    'Sin capacidad spot',
    'Conmutación de PostgreSQL',
    'Limitación de Key Vault',
    'Sobrecarga del gateway',
    'Inquilino ruidoso',
    'PR de inquilino erróneo',
    'Datos dañados de un inquilino',
    'Pérdida de la región',
  ],
  'docs/diseno/5-seguridad.md': [
    'Fronteras de confianza',
    'Identidades',
    'Qué alcanza un pod de inquilino comprometido',
    'Guardas de admisión',
    'Ciclo de vida y rotación de secretos',
    'Cadena de suministro',
  ],
  'docs/diseno/6-operacion.md': [
    'Alta de un inquilino por PR',
    'Cambio de tier',
    'Suspensión y baja',
    'Despliegue de un modelo',
    'Actualizaciones',
  ],
  'docs/diseno/7-referencia.md': ['Índice de ADRs', 'Glosario', 'Qué haríamos después'],
};

/** What every failure mode must state (issue 5, section 4). */
const FAILURE_MODE_FIELDS = ['Detección', 'Respuesta automática', 'Impacto', 'Tiempo de recuperación', 'Runbook'];

describe('repository Markdown', () => {
  const files = listMarkdownFiles(ROOT, [FIXTURES]);

  it('finds the design, the runbooks and the READMEs', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/diseno/README.md', 'docs/runbooks/README.md']));
    expect(files.filter((f) => f.startsWith('docs/runbooks/')).length).toBeGreaterThanOrEqual(9);
  });

  it('has no relative link to a missing file or heading', () => {
    expect(report(files.flatMap((file) => checkLinks(ROOT, file)))).toEqual([]);
  });

  it('names only repository paths that exist when it writes them as inline code', () => {
    expect(report(files.flatMap((file) => checkCodePaths(ROOT, file)))).toEqual([]);
  });

  it('has only Mermaid blocks that parse', async () => {
    const problems: DocProblem[] = [];
    for (const file of files) problems.push(...(await checkMermaid(file, read(file))));
    expect(report(problems)).toEqual([]);
    expect(files.reduce((n, file) => n + countMermaid(read(file)), 0)).toBeGreaterThanOrEqual(4);
  });
});

/**
 * Files the stand-alone rule does not read in the repository scan: its own source and this test name the
 * word they look for, and the fixtures are broken on purpose (they are checked below instead).
 */
const STANDALONE_EXEMPT = ['docs/check/standalone.ts', 'docs/check/docs.test.ts', FIXTURES];

describe('the repository stands alone (issue 11)', () => {
  const tracked = listTrackedFiles(ROOT).filter((f) => !STANDALONE_EXEMPT.some((e) => f === e || f.startsWith(`${e}/`)));

  it('reads every tracked file: Markdown, sources and the rendered dist/', () => {
    expect(tracked).toEqual(expect.arrayContaining(['README.md', 'docs/diseno/README.md', 'apps/inference-gateway/src/server.ts', 'Makefile']));
    expect(tracked.some((f) => f.startsWith('dist/'))).toBe(true);
  });

  it('never mentions the internal brief nor links or names a path outside the repository', () => {
    expect(report(tracked.flatMap((file) => checkStandalone(ROOT, file)))).toEqual([]);
  });
});

describe('design document (issue 5)', () => {
  it.each(Object.entries(REQUIRED_SECTIONS))('%s has every required section, in order', (file, required) => {
    const found = headings(read(file));
    const positions = required.map((h) => found.indexOf(h));
    expect(required.filter((_, i) => positions[i] < 0), `missing headings in ${file}`).toEqual([]);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('is the front door: linked from README.md and docs/README.md', () => {
    expect(read('README.md')).toContain('docs/diseno/README.md');
    expect(read('docs/README.md')).toContain('diseno/README.md');
  });

  it('opens with a Mermaid overview diagram', () => {
    expect(countMermaid(read('docs/diseno/README.md'))).toBeGreaterThanOrEqual(1);
  });

  it('gives every failure mode its detection, response, impact, recovery time and a runbook link', () => {
    const text = splitFences(read('docs/diseno/4-modos-de-fallo.md')).prose.join('\n');
    const sections = text.split(/^## /m).slice(1);
    expect(sections.length).toBe(REQUIRED_SECTIONS['docs/diseno/4-modos-de-fallo.md'].length);
    for (const section of sections) {
      const title = section.split('\n')[0];
      expect(FAILURE_MODE_FIELDS.filter((f) => !section.includes(f)), title).toEqual([]);
      expect(section, title).toMatch(/\]\(\.\.\/runbooks\/[a-z0-9-]+\.md\)/);
    }
  });

  it('links behaviour to tests: every requirement block cites at least one test file', () => {
    const text = read('docs/diseno/2-requisitos.md');
    for (const block of text.split(/^## /m).slice(1)) {
      expect(block, block.split('\n')[0]).toMatch(/\]\([^)]*\.test\.ts[^)]*\)|pendiente/);
    }
  });
});

describe('the docs check is not vacuous (docs/check/fixtures/broken)', () => {
  const fixture = `${FIXTURES}/broken/broken.md`;

  it('reports the missing file and the missing anchor, and nothing that exists', () => {
    const messages = checkLinks(ROOT, fixture).map((p) => p.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/no-existe\.ts.*does not exist/);
    expect(messages[1]).toMatch(/no heading with anchor #un-encabezado-que-no-existe/);
  });

  it('reports the inline-code path that does not exist, and not the placeholders', () => {
    const messages = checkCodePaths(ROOT, fixture).map((p) => p.message);
    expect(messages).toEqual([expect.stringMatching(/path `docs\/check\/no-existe\.ts` does not exist/)]);
  });

  it('reports the Mermaid block that does not parse, and only that one', async () => {
    const problems = await checkMermaid(fixture, read(fixture));
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/does not parse: Parse error/);
  });

  it('rejects broken flowchart and sequence diagrams and accepts valid ones', async () => {
    expect(await mermaidError('flowchart LR\n  A[Usuarios] -->|https| B(Borde)')).toBeUndefined();
    expect(await mermaidError('sequenceDiagram\n  participant A\n  A->>B: hola')).toBeUndefined();
    expect(await mermaidError('flowchart LR\n  A --> \n  --> B ]]')).toMatch(/Parse error/);
    expect(await mermaidError('sequenceDiagram\n  A->>: hola')).toMatch(/Parse error/);
    expect(await mermaidError('flowhcart LR\n  A --> B')).toMatch(/No diagram type detected/);
  });
});

describe('the stand-alone rule is not vacuous (docs/check/fixtures/broken/standalone.*)', () => {
  const lines = (file: string): number[] => checkStandalone(ROOT, `${FIXTURES}/broken/${file}`).map((p) => p.line);
  const messages = (file: string): string[] => checkStandalone(ROOT, `${FIXTURES}/broken/${file}`).map((p) => p.message);

  it('reports in Markdown the brief, the outside link, the file: link and the outside path, and nothing else', () => {
    expect(lines('standalone.md')).toEqual([5, 6, 7, 8]);
    const [brief, outsideLink, fileLink, outsidePath] = messages('standalone.md');
    expect(brief).toMatch(/mentions BRIEF.*state the fact and its public source/);
    expect(outsideLink).toMatch(/link "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/shared\/brief\.md#d7" points outside the repository/);
    expect(fileLink).toMatch(/link "file:\/\/\/home\/alguien\/notas\.md" points to a file on someone's machine/);
    expect(outsidePath).toMatch(/path "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/shared\/notas\.md" points outside the repository/);
  });

  it('reports in TypeScript the brief and the outside paths of comments, not those of strings or inside the repository', () => {
    expect(checkStandalone(ROOT, `${FIXTURES}/broken/standalone.ts`).map((p) => `${p.line}: ${p.message.replace(/ \(.*$|:.*$/, '')}`)).toEqual([
      '1: mentions BRIEF, an internal document no reader of the repository has',
      '3: path "../../../../../shared/brief.md" points outside the repository',
      '7: path "../../../../../shared/after-code.md" points outside the repository',
    ]);
  });

  it('reports in shell the outside paths of comments, not those of strings', () => {
    expect(messages('standalone.sh').map((m) => /path "([^"]+)"/.exec(m)?.[1])).toEqual(['../../../../../shared/run.md', '../../../../../shared/trailing.md']);
  });

  it('tells comments from strings, template literals and regular expressions', () => {
    const comments = slashComments("const a = '// no'; // yes\nconst r = /\\/\\/ no/; /* also\nyes */ const t = `// no`;").map((l) => l.trim());
    expect(comments).toEqual(['// yes', '/* also', 'yes */']);
    expect(hashComments('x: "#no" # yes\n#!/bin/sh\nurl: a#b')).toEqual(['# yes', '#!/bin/sh', '']);
  });
});
