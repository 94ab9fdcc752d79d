import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ManifestFiles } from './manifest-files';

/** Lists every file under a folder, as paths relative to it, sorted. */
function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full));
    }
  };
  walk(root);
  return out;
}

/** Differences between rendered files and what is on disk. */
export interface ManifestDrift {
  /** Files that would be created. */
  readonly added: string[];
  /** Files whose content would change. */
  readonly changed: string[];
  /** Files that would be deleted. */
  readonly removed: string[];
}

/** Compares rendered files with the folder's content without touching it. */
export function diffManifests(outDir: string, files: ManifestFiles): ManifestDrift {
  const onDisk = new Set(listFiles(outDir));
  const drift: ManifestDrift = { added: [], changed: [], removed: [] };
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!onDisk.has(path)) drift.added.push(path);
    else if (readFileSync(join(outDir, path), 'utf8') !== content) drift.changed.push(path);
    onDisk.delete(path);
  }
  drift.removed.push(...[...onDisk].sort());
  return drift;
}

/**
 * Replaces `outDir` with exactly `files`, atomically: everything is written to a sibling temp
 * folder first and swapped in with renames, so a failure halfway leaves the old output intact
 * and a removed tenant's folder disappears.
 */
export function writeManifests(outDir: string, files: ManifestFiles): void {
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const staging = `${outDir}.staging-${process.pid}`;
  const previous = `${outDir}.previous-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  for (const [path, content] of files) {
    const target = join(staging, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  mkdirSync(staging, { recursive: true });
  const hadOld = existsSync(outDir);
  if (hadOld) renameSync(outDir, previous);
  try {
    renameSync(staging, outDir);
  } catch (err) {
    if (hadOld) renameSync(previous, outDir);
    throw err;
  }
  if (hadOld) rmSync(previous, { recursive: true, force: true });
}
