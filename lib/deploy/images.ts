import pLimit from 'p-limit';
import type { ResolvedService } from '../profile/model.js';
import type { ImageProgress } from '../runtime/types.js';
import type { DeployOptions } from './deploy.js';

/** Every image the profile needs, built or pulled; returns the image ID each service runs. */
export async function ensureImages({
  runtime,
  profile,
  bus,
  signal,
  buildConcurrency,
  forceBuild,
  refreshPackages,
  clientImages,
}: DeployOptions): Promise<Map<string, string>> {
  const store = runtime.capabilities.images ?? clientImages;
  if (!store && profile.images.length) {
    const names = profile.images.map((i) => i.name).join(', ');
    bus.emit({
      type: 'message',
      level: 'warn',
      text: `no Docker engine answers: ${names} not built (client checks need it)`,
    });
  }
  // Shared bases first, in the order the profile lists them: service images build FROM them.
  for (const image of store ? profile.images : []) {
    await store!.ensureBuiltImage(image.name, image.build, {
      signal,
      force: forceBuild,
      noCache: refreshPackages,
      onWork: () => bus.emit({ type: 'message', level: 'info', text: `building base image ${image.name}` }),
      onProgress: (p: ImageProgress) =>
        bus.emit({ type: 'build.progress', service: image.name, step: p.step, totalSteps: p.totalSteps, line: p.line }),
    });
  }
  const limit = pLimit(buildConcurrency ?? 2);
  const ids = new Map<string, string>();
  // Services that run from the same thing get it once: on Docker one image tag; on the host one set of
  // packages (the nova services share an image, but each needs a package of its own there).
  const runsFrom = (s: ResolvedService) =>
    runtime.name === 'host' ? [...(s.host?.packages ?? [])].sort().join(' ') : s.image;
  const byImage = new Map<string, ResolvedService[]>();
  for (const s of profile.services) byImage.set(runsFrom(s), [...(byImage.get(runsFrom(s)) ?? []), s]);
  await Promise.all(
    [...byImage.values()].map((group) =>
      limit(async () => {
        const service = group.find((s) => s.build) ?? group[0]!;
        const id = await runtime.ensureImage(service, {
          signal,
          force: forceBuild,
          noCache: refreshPackages,
          onWork: (kind) => group.forEach((s) => bus.emit({ type: 'service.state', service: s.name, state: kind })),
          onProgress: (p) =>
            bus.emit({
              type: 'build.progress',
              service: service.name,
              step: p.step,
              totalSteps: p.totalSteps,
              line: p.line,
            }),
        });
        for (const s of group) ids.set(s.name, id);
      }),
    ),
  );
  return ids;
}
