/* eslint-disable @typescript-eslint/no-explicit-any -- tests walk synthesized Terraform JSON, whose shape is the point of each assertion */
import { Testing, type App, type TerraformStack } from 'cdktf';

/** Builds one stack in a fresh test app and returns cdktf's test synthesis (sorted keys, no metadata). */
export function synthStack(build: (app: App) => TerraformStack): { stack: TerraformStack; synth: string; json: any } {
  const stack = build(Testing.app());
  const synth = Testing.synth(stack, true);
  return { stack, synth, json: JSON.parse(synth) };
}

/** Every resource of a type in a synthesized stack, as a list of configurations. */
export function resourcesOf(json: any, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}
