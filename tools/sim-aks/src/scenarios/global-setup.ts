import { AUTOSCALER_ENV, AUTOSCALER_MISSING, probeAutoscaler } from '../toolchain.ts';

/**
 * Runs once before every sim-aks test file: decides whether the autoscaler is there (the scenario
 * files read the answer from the environment their workers inherit) and, if not, says so in one line.
 */
export default function setup(): void {
  const available = probeAutoscaler();
  process.env[AUTOSCALER_ENV] = available ? '1' : '0';
  if (!available) console.warn(`sim-aks: ${AUTOSCALER_MISSING}`);
}
