import { Window } from 'happy-dom';
import { splitFences, type DocProblem } from './markdown-links.ts';

type Mermaid = (typeof import('mermaid'))['default'];

let loaded: Promise<Mermaid> | undefined;

/**
 * Mermaid's own parser (the one GitHub renders with), loaded once. Mermaid sanitises labels with
 * DOMPurify, which needs a DOM even to parse: happy-dom provides one, so no browser is needed.
 * Both packages are pinned in package.json (mermaid 11.x: 12.x needs Node 22).
 */
function mermaid(): Promise<Mermaid> {
  loaded ??= (async () => {
    const window = new Window();
    Object.assign(globalThis, { window, document: window.document, DOMParser: window.DOMParser });
    const { default: instance } = await import('mermaid');
    instance.initialize({ startOnLoad: false });
    return instance;
  })();
  return loaded;
}

/** Parses one diagram; returns the parser's first error line, or `undefined` when it parses. */
export async function mermaidError(diagram: string): Promise<string | undefined> {
  const instance = await mermaid();
  try {
    await instance.parse(diagram);
    return undefined;
  } catch (error) {
    return String((error as Error).message ?? error).split('\n').slice(0, 4).join(' | ');
  }
}

/** Parses every ```mermaid block of a Markdown document. */
export async function checkMermaid(file: string, markdown: string): Promise<DocProblem[]> {
  const problems: DocProblem[] = [];
  for (const block of splitFences(markdown).blocks.filter((b) => b.info === 'mermaid')) {
    const error = await mermaidError(block.body);
    if (error) problems.push({ file, line: block.line, message: `Mermaid block does not parse: ${error}` });
  }
  return problems;
}

/** How many ```mermaid blocks a document has. */
export function countMermaid(markdown: string): number {
  return splitFences(markdown).blocks.filter((b) => b.info === 'mermaid').length;
}
