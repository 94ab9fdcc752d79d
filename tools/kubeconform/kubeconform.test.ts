// Proves the offline kubeconform toolchain really is strict: valid fixtures pass, and each invalid
// fixture fails on its own with a message naming the offending field or kind.
// The first (cold) run builds kubeconform and the schemas into $PANAL_CACHE: minutes, once.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const ensureScript = join(here, 'ensure.sh');
const validateScript = join(here, 'validate.sh');
const validDir = join(here, 'fixtures', 'valid');
const invalidDir = join(here, 'fixtures', 'invalid');

// A warm validate.sh run takes about a second; leave room for a slow CI machine.
const RUN_TIMEOUT_MS = 60_000;

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout,
    output: `${result.stdout}\n${result.stderr}`,
  };
}

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

// Each invalid fixture and the message kubeconform must print for it.
const invalidCases: Record<string, RegExp> = {
  // Strict mode: unknown field in a core object.
  'deployment-unknown-field.yaml':
    /deployment-unknown-field\.yaml - Deployment openwebui is invalid: .*at '\/spec': additional properties 'replica' not allowed/,
  // Wrong type in a core object.
  'service-wrong-type.yaml':
    /service-wrong-type\.yaml - Service openwebui is invalid: .*at '\/spec\/ports\/0\/port': got string, want integer/,
  // Strict mode in a CRD schema (Gateway API).
  'httproute-unknown-field.yaml':
    /httproute-unknown-field\.yaml - HTTPRoute openwebui is invalid: .*at '\/spec\/rules\/0\/backendRefs\/0': additional properties 'weigth' not allowed/,
  // A kind with no schema is an error, not a skip.
  'widget-no-schema.yaml': /widget-no-schema\.yaml - Widget gizmo failed validation: could not find schema for Widget/,
  // CRD metadata is validated as the strict core ObjectMeta.
  'scaledobject-metadata-typo.yaml':
    /scaledobject-metadata-typo\.yaml - ScaledObject ollama is invalid: .*at '\/metadata': additional properties 'label' not allowed/,
  // The root of a CRD schema is strict too.
  'prometheusrule-root-unknown-field.yaml':
    /prometheusrule-root-unknown-field\.yaml - PrometheusRule openwebui is invalid: .*additional properties 'specs' not allowed/,
};

describe('tools/kubeconform', () => {
  beforeAll(() => {
    const ensure = run(ensureScript, []);
    expect(ensure.status, ensure.output).toBe(0);
  }, 20 * 60_000);

  it(
    'accepts every valid fixture',
    () => {
      const count = yamlFiles(validDir).length;
      expect(count).toBeGreaterThanOrEqual(8);
      const result = run(validateScript, [validDir]);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toContain(
        `Summary: ${count} resources found in ${count} files - Valid: ${count}, Invalid: 0, Errors: 0, Skipped: 0`,
      );
    },
    RUN_TIMEOUT_MS,
  );

  it('has an expectation for every invalid fixture', () => {
    expect(yamlFiles(invalidDir)).toEqual(Object.keys(invalidCases).sort());
  });

  for (const [file, message] of Object.entries(invalidCases)) {
    it(
      `rejects ${file}`,
      () => {
        const result = run(validateScript, [join(invalidDir, file)]);
        expect(result.status, result.output).not.toBe(0);
        expect(result.output).toMatch(message);
        expect(result.output).toMatch(/Summary: 1 resource found in 1 file - Valid: 0, /);
      },
      RUN_TIMEOUT_MS,
    );
  }

  it(
    'reports machine-readable JSON with KUBECONFORM_OUTPUT=json',
    () => {
      const result = run(validateScript, [join(invalidDir, 'widget-no-schema.yaml')], {
        KUBECONFORM_OUTPUT: 'json',
      });
      expect(result.status).not.toBe(0);
      const report = JSON.parse(result.stdout) as {
        resources: { kind: string; status: string; msg: string }[];
        summary: { valid: number; invalid: number; errors: number; skipped: number };
      };
      expect(report.summary).toEqual({ valid: 0, invalid: 0, errors: 1, skipped: 0 });
      expect(report.resources[0]).toMatchObject({ kind: 'Widget', status: 'statusError' });
    },
    RUN_TIMEOUT_MS,
  );

  it('refuses to run without a target', () => {
    expect(run(validateScript, []).status).toBe(2);
  });
});
