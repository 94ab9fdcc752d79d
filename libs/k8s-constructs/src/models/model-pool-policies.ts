import { OLLAMA_PORT, type Environment } from '@panal/tenant-config';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { podsInNamespace, tcpPort } from '../common/network-policy';
import { syncWave, SyncWave } from '../common/sync-waves';

/** Props of {@link ModelPoolPolicies}. */
export interface ModelPoolPoliciesProps {
  /** Namespace of the model pool. */
  readonly namespace: string;
  /** Where the inference gateway runs (namespace and pod labels). */
  readonly environment: Environment;
}

/**
 * The one extra allow of a model pool namespace (on top of deny-all and DNS): Ollama accepts
 * connections only from inference gateway pods. Ollama has no authentication, so this policy is
 * what keeps its management API (pull, delete, create) away from everyone else.
 */
export class ModelPoolPolicies extends Construct {
  constructor(scope: Construct, id: string, props: ModelPoolPoliciesProps) {
    super(scope, id);
    const gw = props.environment.inferenceGateway;
    new k8s.KubeNetworkPolicy(this, 'FromGateway', {
      metadata: { name: 'ollama-ingress-from-gateway', namespace: props.namespace, annotations: syncWave(SyncWave.guardRails) },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ollama' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [podsInNamespace(gw.namespace, gw.podLabels)], ports: [tcpPort(OLLAMA_PORT)] }],
      },
    });
  }
}
