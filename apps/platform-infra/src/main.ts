import { runSynthCli } from '@panal/k8s-constructs';
import { INFRA_ENVIRONMENTS } from './environments';
import { InfraEnvironmentError } from './environments/validate-environment';
import { renderInfra, TERRAFORM_OUT_DIR } from './synth/render-infra';

try {
  // Every environment is synthesized on each run (prod and dev share constructs; both must stay valid),
  // so the shared CLI's --env flag (which names an environments/<env> folder for the cdk8s apps) is unused here.
  runSynthCli({
    name: 'platform-infra',
    outDir: TERRAFORM_OUT_DIR,
    render: ({ repoRoot }) => renderInfra({ repoRoot, environments: Object.values(INFRA_ENVIRONMENTS) }),
  });
} catch (err) {
  if (!(err instanceof InfraEnvironmentError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
