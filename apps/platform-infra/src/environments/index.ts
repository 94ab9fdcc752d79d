import { DEV } from './dev';
import type { InfraEnvironment } from './infra-environment';
import { PROD } from './prod';

/** Every environment platform-infra synthesizes, by name. */
export const INFRA_ENVIRONMENTS: Readonly<Record<string, InfraEnvironment>> = { dev: DEV, prod: PROD };
