import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Folders never scanned for Markdown: installed packages, build output, caches, git itself. */
export const SKIPPED_DIRS: readonly string[] = ['node_modules', 'dist', '.nx', '.git', '.out', 'tmp', 'coverage'];

/** A problem found in one Markdown file, with the line a person should look at. */
export interface DocProblem {
  /** Path of the Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the link or block. */
  readonly line: number;
  /** What is wrong and what to do next. */
  readonly message: string;
}

/** Every `*.md` file under `root`, relative to it, skipping {@link SKIPPED_DIRS} and any `exclude` prefix. */
export function listMarkdownFiles(root: string, exclude: readonly string[] = []): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (exclude.some((prefix) => rel === prefix || rel.startsWith(`${prefix}/`))) continue;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.includes(entry.name)) walk(path);
      } else if (entry.isFile() && entry.name.endsWith('.md')) {
        found.push(rel);
      }
    }
  };
  walk(root);
  return found.sort();
}

/** A fenced code block: its info string, its body and the line of its opening fence. */
export interface FencedBlock {
  readonly info: string;
  readonly body: string;
  readonly line: number;
}

/** Splits Markdown into fenced blocks and the prose lines outside them (code lines become empty, so line numbers hold). */
export function splitFences(markdown: string): { blocks: FencedBlock[]; prose: string[] } {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  const prose: string[] = [];
  let open: { fence: string; info: string; line: number; body: string[] } | undefined;
  lines.forEach((text, index) => {
    const fence = /^\s{0,3}(`{3,}|~{3,})\s*([^`\s]*)/.exec(text);
    if (open) {
      if (fence && fence[1][0] === open.fence[0] && fence[1].length >= open.fence.length && fence[2] === '') {
        blocks.push({ info: open.info, body: open.body.join('\n'), line: open.line });
        open = undefined;
      } else {
        open.body.push(text);
      }
      prose.push('');
    } else if (fence) {
      open = { fence: fence[1], info: fence[2].toLowerCase(), line: index + 1, body: [] };
      prose.push('');
    } else {
      prose.push(text);
    }
  });
  if (open) blocks.push({ info: open.info, body: open.body.join('\n'), line: open.line });
  return { blocks, prose };
}

/** A link target written in Markdown, with its line. */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** Inline links, images and reference definitions outside code blocks and inline code. */
export function extractLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  splitFences(markdown).prose.forEach((raw, index) => {
    const text = raw.replace(/`[^`]*`/g, '');
    for (const match of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: match[1], line: index + 1 });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(text);
    if (definition) links.push({ target: definition[1], line: index + 1 });
  });
  return links;
}

/** Heading text as a person reads it: no emphasis marks, code ticks or link targets. */
function headingText(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[*_`]/g, (mark) => (mark === '_' ? '_' : ''))
    .trim();
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(raw: string): string {
  return headingText(raw)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The headings (`#` to `######`) of a Markdown document, outside code blocks. */
export function headings(markdown: string): string[] {
  return splitFences(markdown)
    .prose.map((line) => /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1])
    .filter((h): h is string => h !== undefined)
    .map(headingText);
}

/** Every anchor GitHub generates for a document, with `-1`, `-2`… for repeated headings. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings(markdown)) {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    result.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return result;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * Checks every relative link of one Markdown file: the target file or folder exists, and an
 * `#anchor` into a Markdown file (or into the same file) names one of its headings.
 */
export function checkLinks(root: string, file: string): DocProblem[] {
  const absolute = resolve(root, file);
  const markdown = readFileSync(absolute, 'utf8');
  const problems: DocProblem[] = [];
  for (const { target, line } of extractLinks(markdown)) {
    if (EXTERNAL.test(target)) continue;
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = decodeURIComponent(pathPart.split('?')[0]);
    const resolved = path === '' ? absolute : path.startsWith('/') ? join(root, path) : resolve(dirname(absolute), path);
    if (!existsSync(resolved)) {
      problems.push({ file, line, message: `link "${target}" points to ${relative(root, resolved)}, which does not exist: fix the path or create the file` });
      continue;
    }
    if (anchor && resolved.endsWith('.md') && statSync(resolved).isFile()) {
      const known = anchors(readFileSync(resolved, 'utf8'));
      if (!known.has(decodeURIComponent(anchor).toLowerCase())) {
        problems.push({ file, line, message: `link "${target}": ${relative(root, resolved)} has no heading with anchor #${anchor}` });
      }
    }
  }
  return problems;
}

/**
 * Checks repository paths written as inline code (`apps/tenants/README.md`): when a code span starts
 * with a top-level folder of the repository and has no placeholder (`<id>`, `*`, `{…}`), the path must
 * exist, relative to the repository root or to the Markdown file.
 */
export function checkCodePaths(root: string, file: string): DocProblem[] {
  const topLevel = new Set(
    readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !SKIPPED_DIRS.includes(e.name) && e.name !== 'node_modules')
      .map((e) => e.name),
  );
  const problems: DocProblem[] = [];
  splitFences(readFileSync(resolve(root, file), 'utf8')).prose.forEach((text, index) => {
    for (const match of text.matchAll(/`([A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]*)`/g)) {
      const path = match[1].replace(/\/+$/, '');
      if (!topLevel.has(path.split('/')[0])) continue;
      if (!existsSync(join(root, path)) && !existsSync(resolve(root, dirname(file), path))) {
        problems.push({ file, line: index + 1, message: `path \`${match[1]}\` does not exist in the repository: fix it, or write it as a placeholder (<id>)` });
      }
    }
  });
  return problems;
}
