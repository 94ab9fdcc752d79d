import { ensurePrometheus } from '../prometheus.ts';
import { AUTOSCALER_ENV, AUTOSCALER_MISSING, ensureToolchain, probeAutoscaler } from '../toolchain.ts';

/**
 * Runs once before every sim-aks test file. It builds the slow tools the scenarios start (the
 * Kubernetes control plane, etcd, kwok and the Prometheus server of the KEDA stand-in) here, where no
 * hook timeout applies: on a new machine those cold builds took longer than the 10-minute beforeAll of
 * whichever scenario file happened to run first. It then decides whether the autoscaler is there (the
 * scenario files read the answer from the environment their workers inherit) and, if not, says so in one line.
 */
export default function setup(): void {
  ensureToolchain();
  ensurePrometheus();
  const available = probeAutoscaler();
  process.env[AUTOSCALER_ENV] = available ? '1' : '0';
  if (!available) console.warn(`sim-aks: ${AUTOSCALER_MISSING}`);
}
