import type Docker from 'dockerode';
import tarStream from 'tar-stream';
import type { ResolvedService } from '../../profile/model.js';
import { LABEL } from '../types.js';
import { networkName, volumeName } from './names.js';

/** What a service's container is made of, shared by the service's own container and its task containers. */
export function containerSpec(project: string, service: ResolvedService, labels: Record<string, string>) {
  return {
    Image: service.image,
    Cmd: service.command,
    Entrypoint: service.entrypoint,
    User: service.user,
    WorkingDir: service.workingDir,
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    Labels: { [LABEL.project]: project, [LABEL.service]: service.name, ...labels },
  };
}

export function hostConfig(project: string, service: ResolvedService): Docker.HostConfig {
  return {
    Mounts: service.volumes.map((v) => ({
      Type: v.type,
      Source: v.type === 'volume' ? volumeName(project, v.source) : v.source,
      Target: v.target,
      ReadOnly: v.readOnly,
    })),
    NetworkMode: networkName(project),
    CapAdd: service.capAdd,
    Init: service.init,
  };
}

/** Rendered config goes in through the archive API, not a bind mount, so a remote engine works too. */
export async function copyFiles(
  container: Docker.Container,
  files: { target: string; content: string; mode: number }[],
): Promise<void> {
  if (files.length === 0) return;
  const pack = tarStream.pack();
  for (const f of files) pack.entry({ name: f.target.replace(/^\/+/, ''), mode: f.mode }, f.content);
  pack.finalize();
  await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
}
