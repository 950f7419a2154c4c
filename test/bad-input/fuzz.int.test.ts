import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../lib/errors.js';
import { loadProfile } from '../../lib/profile/load.js';
import { berth, containers, docker, purge, repoRoot, stateDir, uniqueProject, volumes } from '../helpers/engine.js';
import { LABEL } from '../../lib/runtime/types.js';

/**
 * A seeded fuzz smoke over the shipped profiles: one service file at a time has a key deleted, a value's
 * type swapped, or a number pushed out of range. Whatever comes of it, the loader either accepts the
 * profile or throws a BerthError (never a TypeError: that would print "unexpected error"); and the CLI,
 * given a mutation the loader refuses, exits 2 without touching the engine.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const profiles = ['demo', 'undercloud-minimal', 'undercloud'] as const;
const shipped = join(repoRoot, 'profiles');
const serviceFiles = readdirSync(join(shipped, 'services')).filter((f) => f.endsWith('.yaml'));

type Tree = unknown;
/** Every path to a value in a YAML tree, so a mutation can pick any of them. */
function paths(tree: Tree, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(tree)) return [at, ...tree.flatMap((v, i) => paths(v, [...at, i]))];
  if (tree && typeof tree === 'object') return [at, ...Object.entries(tree).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

const replacements: unknown[] = [0, -1, 70000, 2 ** 40, '', 'x'.repeat(300), '99999m', [], {}, null, true, ['a', 1]];

function mutate(tree: Tree, pick: number, kind: number, value: number): Tree {
  const all = paths(tree).filter((p) => p.length > 0);
  if (all.length === 0) return replacements[value % replacements.length];
  const path = all[pick % all.length]!;
  const copy = structuredClone(tree) as Record<string | number, unknown>;
  let parent: any = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1]!;
  if (kind % 2 === 0) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacements[value % replacements.length];
  return copy;
}

/** One copy of the shipped tree, each run writing its mutated file into it and putting the original back. */
const work = join(mkdtempSync(join(tmpdir(), 'berth-fuzz-')), 'profiles');
cpSync(shipped, work, { recursive: true });

function withMutation<T>(file: string, pick: number, kind: number, value: number, fn: (root: string) => T): T {
  const path = join(work, 'services', file);
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, stringify(mutate(parse(original) as Tree, pick, kind, value)));
  try {
    return fn(work);
  } finally {
    writeFileSync(path, original);
  }
}

/** A tree of its own for a mutation the CLI runs later. */
function keep(root: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'berth-fuzz-kept-')), 'profiles');
  cpSync(root, copy, { recursive: true });
  return copy;
}

const refused: { tree: string; profile: string }[] = [];
const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await purge(p);
});

describe('fuzz smoke over the shipped profiles', () => {
  it('the loader accepts a mutated profile or refuses it with a BerthError, never a crash', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...serviceFiles),
        fc.constantFrom(...profiles),
        fc.constantFrom('docker' as const, 'host' as const),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (file, profile, runtime, pick, kind, value) =>
          withMutation(file, pick, kind, value, (root) => {
            try {
              loadProfile({ profile, profilesRoot: root, runtime, env: { BERTH_STATE_DIR: join(root, '.state') } });
            } catch (err) {
              expect(err, String((err as Error)?.stack)).toBeInstanceOf(BerthError);
              if (refused.length < 6 && runtime === 'docker') refused.push({ tree: keep(root), profile });
            }
          }),
      ),
      { seed: SEED, numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
    expect(refused.length).toBeGreaterThan(0);
  }, 120_000);

  it('berth deploy of a refused mutation exits 2, says no "unexpected error", and creates nothing', async () => {
    const state = stateDir();
    for (const { tree, profile } of refused) {
      const project = uniqueProject('fuzz');
      projects.push(project);
      const run = await berth(['deploy', '--profile', join(tree, profile, 'profile.yaml'), '--project', project], {
        state,
      });
      expect(run.exitCode, run.all).not.toBe(0);
      expect(run.all).not.toMatch(/unexpected error|\(node:\d+\)/);
      expect(await containers(project)).toEqual([]);
      expect(await volumes(project)).toEqual([]);
      const networks = await docker.listNetworks({ filters: { label: [`${LABEL.project}=${project}`] } });
      expect(networks).toEqual([]);
    }
  }, 300_000);
});
