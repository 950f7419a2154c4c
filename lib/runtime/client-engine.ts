import { DockerRuntime } from './docker/docker-runtime.js';
import type { ImageStore, Runtime, ToolRunner } from './types.js';

export interface ClientEngine {
  tools: ToolRunner;
  images: ImageStore;
}

/**
 * Where client checks run: the openstack client is a container of the profile's client image on every
 * runtime, so services on the host still use a Docker engine for those checks and for building that image.
 * Undefined when the runtime has no tools and no engine answers.
 */
export async function clientEngine(runtime: Runtime): Promise<ClientEngine | undefined> {
  const { tools, images } = runtime.capabilities;
  if (tools && images) return { tools, images };
  const docker = new DockerRuntime();
  const answers = await docker.info().then(
    () => true,
    () => false,
  );
  return answers ? { tools: docker, images: docker } : undefined;
}
