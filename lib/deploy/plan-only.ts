import type { ResolvedProfile } from '../profile/model.js';
import { planDeploy, type PlanAction } from '../plan/plan.js';
import type { Runtime } from '../runtime/types.js';
import { imagePlan } from './images.js';

/** The plan without side effects: nothing is built, created or removed. */
export async function planOnly(runtime: Runtime, profile: ResolvedProfile): Promise<PlanAction[]> {
  const actual = await runtime.list(profile.project);
  const { planned, rebuilds } = await imagePlan(runtime, profile.services);
  const volumes = await existingVolumes(runtime, profile);
  return planDeploy({ services: profile.services, actual, imageIds: planned, rebuilds, volumes });
}

export async function existingVolumes(runtime: Runtime, profile: ResolvedProfile): Promise<Set<string>> {
  const names = new Set(
    profile.services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume').map((v) => v.source)),
  );
  const present = new Set<string>();
  for (const name of names) if (await runtime.volumeExists(profile.project, name)) present.add(name);
  return present;
}
