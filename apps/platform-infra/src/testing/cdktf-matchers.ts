/**
 * cdktf's matchers (`toHaveResourceWithProperties`, …) under vitest 4. `Testing.setupJest()` only
 * needs a global `expect` with `extend`, `arrayContaining` and `objectContaining`, which vitest's
 * `expect` has: we expose vitest's `expect` as the global before calling it. Import this module
 * first in every test that uses the matchers.
 * @see https://developer.hashicorp.com/terraform/cdktf/test/unit-tests
 */
import { Testing } from 'cdktf';
import { expect } from 'vitest';

const g = globalThis as { expect?: unknown };
g.expect ??= expect;
Testing.setupJest();

/** A cdktf resource, data source or provider class (its static `tfResourceType`). */
interface TerraformConstructor {
  readonly tfResourceType: string;
}

/** The matchers cdktf adds. Nested objects match partially only through `expect.objectContaining`. */
interface CdktfMatchers<R = unknown> {
  toHaveResource(type: TerraformConstructor): R;
  toHaveResourceWithProperties(type: TerraformConstructor, properties: Record<string, unknown>): R;
  toHaveDataSource(type: TerraformConstructor): R;
  toHaveDataSourceWithProperties(type: TerraformConstructor, properties: Record<string, unknown>): R;
  toHaveProvider(type: TerraformConstructor): R;
  toHaveProviderWithProperties(type: TerraformConstructor, properties: Record<string, unknown>): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Assertion<T = any> extends CdktfMatchers<T> {}
}
