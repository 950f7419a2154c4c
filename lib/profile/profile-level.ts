import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileError } from '../errors.js';
import { interpolateTree, type Parameters } from './interpolate.js';
import type { ResolvedProfile, VerifyCheck } from './model.js';
import { stringifyEnv, toCommand } from './normalize.js';
import type { PathPolicy } from './path-policy.js';
import type { ProfileChain } from './profile-chain.js';
import { renderTemplate } from './render.js';
import type { Enabled } from './resolve-service.js';
import type { ProfileFile } from './schema.js';
import type { KeyPath } from './yaml-source.js';

/** What a profile says beside its services: verify checks, shared images, host files and the client. */
export function profileLevel(
  chain: ProfileChain,
  enabled: Enabled,
  libraryDirs: string[],
  parameters: Parameters,
  paths: PathPolicy,
  errors: ProfileError[],
): Pick<ResolvedProfile, 'verify' | 'images' | 'hostFiles' | 'client' | 'tempest'> {
  // A check about a service an environment file disabled is not part of this composition; one about a
  // service that exists nowhere is a mistake that would otherwise never run.
  for (const c of chain) {
    (c.profile.verify ?? []).forEach((v, i) => {
      if (enabled.has(v.service) || libraryDirs.some((d) => existsSync(join(d, `${v.service}.yaml`)))) return;
      errors.push(
        c.source.error(
          ['verify', i, 'service'],
          `check "${v.name}" is about "${v.service}", a service this profile does not have`,
          `Services in this profile: ${[...enabled.keys()].sort().join(', ')}.`,
        ),
      );
    });
  }
  // `after` names a check declared before it, so the waits can never form a cycle.
  const declared = new Set<string>();
  for (const c of chain) {
    (c.profile.verify ?? []).forEach((v, i) => {
      (v.after ?? []).forEach((name, k) => {
        if (!declared.has(name))
          errors.push(
            c.source.error(
              ['verify', i, 'after', k],
              `check "${v.name}" waits for "${name}", which is not a check declared before it`,
              `Checks declared before it: ${[...declared].join(', ') || 'none'}.`,
            ),
          );
      });
      declared.add(v.name);
    });
  }
  const verify = chain
    .flatMap((c) =>
      (c.profile.verify ?? []).map(
        (v, i) => interpolateTree(c.source, v, parameters, ['verify', i], errors) as typeof v,
      ),
    )
    .filter((v) => enabled.has(v.service))
    .map(toVerifyCheck);
  const image = (c: ProfileChain[number], i: NonNullable<ProfileFile['images']>[number], at: KeyPath) => ({
    name: i.name,
    build: {
      context: paths.resolve(c.source, [...at, 'context'], i.context, errors),
      dockerfile: i.dockerfile ?? 'Dockerfile',
      args: stringifyEnv(i.args),
    },
  });
  const images = chain.flatMap((c) => (c.profile.images ?? []).map((i, n) => image(c, i, ['images', n])));
  const render = (c: ProfileChain[number], f: { source: string; mode?: number }, at: KeyPath) =>
    renderTemplate(paths.resolve(c.source, at, f.source, errors), parameters, errors, (problem, hint) =>
      c.source.error(at, problem, hint),
    );
  const hostFiles = chain.flatMap((c) =>
    (c.profile.host_files ?? []).map((f, i) => ({
      target: f.target,
      content: render(c, f, ['host_files', i, 'source']) ?? '',
      mode: f.mode ?? 0o600,
    })),
  );
  const clientOwner = [...chain].reverse().find((c) => c.profile.client);
  const files = (c: ProfileChain[number], list: ClientFiles, at: KeyPath) =>
    list.map((f, i) => ({
      target: f.target,
      content: render(c, f, [...at, i, 'source']) ?? '',
      mode: f.mode ?? 0o600,
      source: f.source,
    }));
  const client = clientOwner?.profile.client
    ? {
        image: clientOwner.profile.client.image,
        ...(clientOwner.profile.client.serve ? { serve: toCommand(clientOwner.profile.client.serve) } : {}),
        files: files(clientOwner, clientOwner.profile.client.files ?? [], ['client', 'files']),
      }
    : undefined;
  // The nearest profile that selects Tempest tests owns the whole selection: suites and exclusions are read
  // together, and a merge of two lists could run a test one of them left out for a reason.
  const tempestOwner = [...chain].reverse().find((c) => c.profile.tempest);
  const spec = tempestOwner?.profile.tempest;
  if (tempestOwner && spec) {
    const lists = [
      ['suites', spec.suites],
      ['exclude', spec.exclude ?? []],
    ] as const;
    for (const [key, list] of lists)
      list.forEach((item, i) => {
        const problem = regexProblem(item.regex);
        if (problem)
          errors.push(
            tempestOwner.source.error(
              ['tempest', key, i, 'regex'],
              `not a regular expression: ${problem}`,
              'Tempest matches these against test IDs such as tempest.api.identity.admin.v3.test_users.UsersV3TestJSON.test_x.',
            ),
          );
      });
  }
  (spec?.exclude ?? []).forEach((e, i) => {
    const service = e.unless_deployed;
    if (!tempestOwner || service === undefined || enabled.has(service)) return;
    if (libraryDirs.some((d) => existsSync(join(d, `${service}.yaml`)))) return;
    errors.push(
      tempestOwner.source.error(
        ['tempest', 'exclude', i, 'unless_deployed'],
        `exclusion "${e.regex}" waits for "${service}", a service that exists nowhere`,
        `Name a service file from ${libraryDirs.join(', ')}, or drop unless_deployed.`,
      ),
    );
  });
  (spec?.ci_suites ?? []).forEach((name, i) => {
    if (tempestOwner && !spec!.suites.some((s) => s.name === name))
      errors.push(
        tempestOwner.source.error(
          ['tempest', 'ci_suites', i],
          `"${name}" is not one of this selection's suites`,
          `Suites: ${spec!.suites.map((s) => s.name).join(', ')}.`,
        ),
      );
  });
  const tempest = spec
    ? {
        image: image(tempestOwner, spec.image, ['tempest', 'image']),
        files: files(tempestOwner, spec.files, ['tempest', 'files']),
        prepare: (
          interpolateTree(
            tempestOwner.source,
            spec.prepare ?? [],
            parameters,
            ['tempest', 'prepare'],
            errors,
          ) as NonNullable<typeof spec.prepare>
        ).map((p) => ({ name: p.name, command: toCommand(p.command)! })),
        ...(spec.concurrency ? { concurrency: spec.concurrency } : {}),
        suites: spec.suites,
        ciSuites: spec.ci_suites ?? spec.suites.map((s) => s.name),
        // An exclusion a deployed service lifts is not part of this composition's run.
        exclude: (spec.exclude ?? [])
          .filter((e) => e.unless_deployed === undefined || !enabled.has(e.unless_deployed))
          .map((e) => ({ regex: e.regex, reason: e.reason })),
      }
    : undefined;
  return { verify, images, hostFiles, client, tempest };
}

function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

type ClientFiles = { source: string; target: string; mode?: number }[];

function toVerifyCheck(v: NonNullable<ProfileFile['verify']>[number]): VerifyCheck {
  return {
    name: v.name,
    service: v.service,
    http: v.http
      ? { port: v.http.port, path: v.http.path, status: v.http.status ?? [200], contains: v.http.contains }
      : undefined,
    exec: toCommand(v.exec),
    client: toCommand(v.client),
    contains: v.contains,
    retries: v.retries ?? 0,
    after: v.after ?? [],
  };
}
