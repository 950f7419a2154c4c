import Module, { createRequire } from 'node:module';
import type Dockerode from 'dockerode';

/**
 * dockerode, loaded without paying for the transports berth seldom uses. As it loads, dockerode requires gRPC and
 * protobufjs (for BuildKit sessions, which berth's builds do not open) and docker-modem requires ssh2 (for ssh://
 * hosts). Together they are about 25 MB of every berth process's RSS, a sixth of a `berth dev` that watches a
 * large tree. Each of them is loaded for real the first time it is used, so an ssh:// DOCKER_HOST still works.
 */
type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

export const DEFERRED_MODULES = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader'] as const;

/**
 * A stand-in for a module that loads it on first use. docker-modem reads `require('ssh2').Client` as it loads,
 * so that class is a stand-in too: constructing it constructs the real one.
 */
export function deferredModule(request: string, load: () => unknown): object {
  let real: Record<string | symbol, unknown> | undefined;
  const loaded = () => (real ??= load() as Record<string | symbol, unknown>);
  if (request === 'ssh2') {
    const Client = function (this: unknown, ...args: unknown[]) {
      return Reflect.construct(loaded()['Client'] as new (...a: unknown[]) => object, args);
    };
    return new Proxy({ Client }, { get: (shim, key) => (key === 'Client' ? shim.Client : loaded()[key]) });
  }
  return new Proxy({}, { get: (_shim, key) => loaded()[key], has: (_shim, key) => key in loaded() });
}

function requireDockerode(): typeof Dockerode {
  const moduleApi = Module as unknown as { _load: Load };
  const original = moduleApi._load;
  moduleApi._load = function (request, parent, isMain) {
    if ((DEFERRED_MODULES as readonly string[]).includes(request))
      return deferredModule(request, () => original.call(this, request, parent, isMain));
    return original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(import.meta.url)('dockerode') as typeof Dockerode;
  } finally {
    moduleApi._load = original;
  }
}

/** The dockerode class; its types are dockerode's own (`import type Docker from 'dockerode'`). */
export const DockerClient = requireDockerode();
