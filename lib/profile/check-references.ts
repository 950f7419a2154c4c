import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileError } from '../errors.js';
import { lastLayer, type Layer } from './layers.js';
import type { ResolvedService } from './model.js';
import type { KeyPath } from './yaml-source.js';
import { isOneShot } from '../services/operations.js';

/**
 * What only the resolved composition can tell: dependencies on services that are not there, probes of
 * unpublished ports, host ports published twice, one-shot timeouts on services that are not one-shots,
 * build contexts and dev source trees that do not exist.
 */
export function checkReferences(
  services: ResolvedService[],
  layers: Map<string, Layer[]>,
  errors: ProfileError[],
  runtime: 'docker' | 'host',
): void {
  const names = new Set(services.map((s) => s.name));
  const hostPorts = new Map<number, { service: string; where: string }>();
  for (const s of services) {
    for (const port of s.ports) {
      if (!port.hostPort) continue;
      const layer = lastLayer(layers.get(s.name)!, ['ports']);
      const at = layer.source.locate([...layer.at, 'ports']);
      const other = hostPorts.get(port.hostPort);
      if (other && other.service !== s.name) {
        errors.push(
          layer.source.error(
            [...layer.at, 'ports'],
            `host port ${port.hostPort} is also published by "${other.service}" (${other.where})`,
            'Give one of them another port with --param or an environment file.',
          ),
        );
      } else hostPorts.set(port.hostPort, { service: s.name, where: `${at.file}:${at.line}` });
    }
    if (s.runTimeoutMs !== undefined && !isOneShot(s)) {
      const layer = lastLayer(layers.get(s.name)!, ['timeout']);
      errors.push(
        layer.source.error(
          [...layer.at, 'timeout'],
          `"timeout" bounds a one-shot service, and "${s.name}" is not one`,
          'A one-shot has restart: "no" and no health check; a long-running service is bounded by its health check instead.',
        ),
      );
    }
    if (runtime === 'docker' && s.build && !existsSync(join(s.build.context, s.build.dockerfile))) {
      const layer = lastLayer(layers.get(s.name)!, ['build']);
      const what = existsSync(s.build.context) ? `has no ${s.build.dockerfile}` : 'does not exist';
      errors.push(
        layer.source.error(
          [...layer.at, 'build', 'context'],
          `build context ${s.build.context} ${what}`,
          'Point build.context at the directory that holds the Dockerfile (relative to this file), or set build.dockerfile.',
        ),
      );
    }
    (s.dev?.sources ?? []).forEach((src, i) => {
      if (existsSync(src.path)) return;
      const layer = lastLayer(layers.get(s.name)!, ['dev', 'sources']);
      errors.push(
        layer.source.error(
          [...layer.at, 'dev', 'sources', i, 'path'],
          `source tree ${src.path} does not exist`,
          'Clone or copy the checkout there, or point dev.sources at where it is.',
        ),
      );
    });
    for (const dep of s.dependsOn) {
      if (names.has(dep.service)) continue;
      const layer = lastLayer(layers.get(s.name)!, ['depends_on']);
      const raw = layer.value.depends_on;
      const path: KeyPath = Array.isArray(raw)
        ? [...layer.at, 'depends_on', raw.indexOf(dep.service)]
        : [...layer.at, 'depends_on', dep.service];
      errors.push(
        layer.source.error(
          path,
          `depends on unknown service "${dep.service}"`,
          `Services in this profile: ${[...names].sort().join(', ')}. Enable it in the profile or an environment file, or remove the dependency.`,
          { key: !Array.isArray(raw) },
        ),
      );
    }
    const published = new Set(s.ports.map((p) => p.containerPort));
    const probe = s.healthcheck?.probe;
    if (probe && probe.kind !== 'exec' && !published.has(probe.port)) {
      const layer = lastLayer(layers.get(s.name)!, ['healthcheck']);
      errors.push(
        layer.source.error(
          [...layer.at, 'healthcheck', probe.kind, 'port'],
          `health check port ${probe.port} is not published by "${s.name}"`,
          'berth probes http and tcp checks on the published 127.0.0.1 port: publish it under "ports", or use an "exec" check.',
        ),
      );
    }
  }
}
