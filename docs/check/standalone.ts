import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, basename, relative, resolve, sep } from 'node:path';
import { extractLinks, splitFences, type DocProblem } from './markdown-links.ts';

/**
 * The name of the internal brief the project was started from. No reader of the repository has it, so a
 * mention of it is a reference nobody can follow: state the fact and its public source instead.
 */
const INTERNAL_REFERENCE = /\bBRIEF\b/;

/** A relative path that climbs (`../x`); whether it leaves the repository depends on the file it is written in. */
const CLIMBING_PATH = /(?:\.\.\/)+[\w-][\w./-]*/g;

/** Tracked files whose comments are read: TypeScript and JavaScript (`//`, `/* *\/`), and `#`-comment languages. */
const SLASH_COMMENTS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.go']);
const HASH_COMMENTS = new Set(['.sh', '.bash', '.py', '.yaml', '.yml', '.env', '.toml', '.tf', '.mk']);
const HASH_COMMENT_NAMES = new Set(['Makefile', 'Dockerfile', 'run', '.gitignore']);

const FIX = 'state the fact and its public source (the official documentation URL) or link the ADR or section of this repository that states it';

/** Every regular file git tracks under `root`, relative to it (a tracked file deleted in the work tree is not read by anyone). */
export function listTrackedFiles(root: string): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((f) => f !== '' && statSync(resolve(root, f), { throwIfNoEntry: false })?.isFile() === true)
    .sort();
}

/** The comments of a `//`-style source file, as lines of the same length as the file (code blanked out). */
export function slashComments(source: string): string[] {
  const out = source.split('');
  let i = 0;
  let lastSignificant = '';
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < source.length && source[i] !== c) i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant))) {
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== '\n' && (source[i] !== '/' || inClass)) {
        if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        i += source[i] === '\\' ? 2 : 1;
      }
      i++;
    } else {
      i++;
    }
    if (!/\s/.test(c)) lastSignificant = source[i - 1] ?? c;
    blank(start, Math.min(i, source.length));
  }
  return out.join('').split('\n');
}

/** The comments of a `#`-style file: the text from a `#` at the start of a line or after a blank. */
export function hashComments(source: string): string[] {
  return source.split('\n').map((line) => {
    const at = line.search(/(?:^|\s)#/);
    return at < 0 ? '' : line.slice(line.indexOf('#', at));
  });
}

/** The lines of `file` in which the outside-path rule looks for paths, or undefined when it reads none. */
function pathBearingLines(file: string, text: string): string[] | undefined {
  const ext = extname(file);
  // Markdown link targets are checked as links; the path rule reads the rest of the prose.
  if (ext === '.md') return splitFences(text).prose.map((line) => line.replace(/\]\([^)]*\)/g, ']()'));
  if (SLASH_COMMENTS.has(ext)) return slashComments(text);
  if (HASH_COMMENTS.has(ext) || HASH_COMMENT_NAMES.has(basename(file))) return hashComments(text);
  return undefined;
}

const isOutside = (root: string, target: string): boolean => {
  const rel = relative(root, target);
  return rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith('/');
};

/**
 * Checks that one tracked file stands alone: it never mentions the internal brief, and neither its
 * Markdown links nor the relative paths written in its prose or comments point outside the repository.
 */
export function checkStandalone(root: string, file: string): DocProblem[] {
  const absolute = resolve(root, file);
  const text = readFileSync(absolute, 'utf8');
  if (text.includes('\0')) return [];
  const problems: DocProblem[] = [];
  text.split('\n').forEach((line, index) => {
    if (INTERNAL_REFERENCE.test(line)) {
      problems.push({ file, line: index + 1, message: `mentions BRIEF, an internal document no reader of the repository has: ${FIX}` });
    }
  });
  if (extname(file) === '.md') {
    for (const { target, line } of extractLinks(text)) {
      if (/^file:/i.test(target)) {
        problems.push({ file, line, message: `link "${target}" points to a file on someone's machine: ${FIX}` });
        continue;
      }
      if (/^(?:[a-z][a-z0-9+.-]*:|\/\/|\/|#)/i.test(target)) continue;
      const resolved = resolve(dirname(absolute), decodeURIComponent(target.split('#')[0].split('?')[0]));
      if (isOutside(root, resolved)) {
        problems.push({ file, line, message: `link "${target}" points outside the repository (${resolved}): ${FIX}` });
      }
    }
  }
  pathBearingLines(file, text)?.forEach((line, index) => {
    for (const match of line.matchAll(CLIMBING_PATH)) {
      const path = match[0];
      const resolved = resolve(dirname(absolute), path);
      if (isOutside(root, resolved)) {
        problems.push({ file, line: index + 1, message: `path "${path}" points outside the repository (${resolved}): ${FIX}` });
      }
    }
  });
  return problems;
}
