import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './model-store';

const PYTHON_DIR = join(REPO_ROOT, 'tools/real-stack/python');
const lines = (file: string) =>
  readFileSync(join(PYTHON_DIR, file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
/** PEP 503 normalized name. */
const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

describe('the OpenWebUI lock (python/open-webui-requirements.txt)', () => {
  const lock = new Map(
    lines('open-webui-requirements.txt').map((l) => {
      const m = /^([A-Za-z0-9._-]+)==(\S+) --hash=sha256:[0-9a-f]{64}$/.exec(l);
      if (!m) throw new Error(`open-webui-requirements.txt: "${l}" is not "<name>==<version> --hash=sha256:<64 hex>"`);
      return [normalize(m[1]!), m[2]!];
    }),
  );

  it('pins every requirement of the .in file at the version the .in names', () => {
    for (const req of lines('open-webui-requirements.in')) {
      const m = /^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)$/.exec(req);
      expect(m, `open-webui-requirements.in: "${req}" must be <name>[extras]==<version>`).not.toBeNull();
      expect(lock.get(normalize(m![1]!)), req).toBe(m![2]);
    }
  });

  it("was resolved for the minor version of the interpreter the install uses (tools/python/select-python.sh)", () => {
    const header = readFileSync(join(PYTHON_DIR, 'open-webui-requirements.txt'), 'utf8');
    const lockedFor = /^# Resolved by pip \S+ for CPython (\d+\.\d+)\.\d+ /m.exec(header)?.[1];
    const python = execFileSync('bash', [join(REPO_ROOT, 'tools/python/select-python.sh')], { encoding: 'utf8' }).trim();
    const minor = execFileSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    expect(lockedFor).toBe(minor);
  });
});
