import { runSynthCli } from '@panal/k8s-constructs';
import { ARGOCD_OUT_DIR, renderArgocd } from './render-argocd';

runSynthCli({ name: 'argocd', outDir: ARGOCD_OUT_DIR, render: renderArgocd });
