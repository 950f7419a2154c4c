import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, containers, docker, purge, stateDir, uniqueProject, volumes } from '../helpers/engine.js';
import { LABEL } from '../../lib/runtime/types.js';

/**
 * The bad-input corpus: one directory per case under cases/, each a profile tree (profiles/p/profile.yaml
 * and its services) and a case.yaml saying the command, the exit code and fragments the output must hold.
 * Every case: a non-zero exit, no stack trace, no Node warning, no "unexpected error". A loader or engine
 * case creates nothing on the engine; a deploy case names the failed service and never starts its dependents.
 */
interface Case {
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  exit: number;
  says: string[];
  kind: 'loader' | 'engine' | 'deploy';
  failed?: string;
  never?: string[];
}

const casesDir = join(import.meta.dirname, 'cases');
const cases = readdirSync(casesDir).sort();
const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await purge(p);
});

async function networks(project: string): Promise<string[]> {
  const list = await docker.listNetworks({ filters: { label: [`${LABEL.project}=${project}`] } });
  return list.map((n) => n.Name);
}

describe('the bad-input corpus', () => {
  const state = stateDir();
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  for (const name of cases) {
    const dir = join(casesDir, name);
    const spec = parse(readFileSync(join(dir, 'case.yaml'), 'utf8')) as Case;
    const why = readFileSync(join(dir, 'case.yaml'), 'utf8').split('\n')[0]!.replace(/^# /, '');
    it(`${name}: ${why}`, async () => {
      const project = uniqueProject(name.slice(0, 12));
      projects.push(project);
      const fill = (s: string) => s.replaceAll('{case}', dir);
      const args = (spec.args ?? []).map(fill);
      const projectArgs = args.includes('--project') ? [] : ['--project', project];
      const run = await berth(
        [
          ...(spec.command ?? ['deploy']),
          '--profile',
          join(dir, 'profiles', 'p', 'profile.yaml'),
          ...projectArgs,
          ...args,
        ],
        { state, env: spec.env },
      );
      const out = run.all ?? '';
      expect(run.exitCode, out).toBe(spec.exit);
      expect(run.exitCode).not.toBe(0);
      for (const fragment of spec.says)
        expect(out, fragment).toContain(fill(fragment).replaceAll(`${dir}/profiles/`, ''));
      expect(out).not.toMatch(/unexpected error|^\s+at .+:\d+:\d+\)?$|\(node:\d+\)|Warning:/m);
      if (spec.kind === 'deploy') {
        expect(out).toContain(`service ${spec.failed}`);
        const started = (await containers(project)).map((c) => c.Config.Labels[LABEL.service]);
        for (const service of spec.never ?? []) expect(started, `${service} was started`).not.toContain(service);
      } else {
        expect(await containers(project)).toEqual([]);
        expect(await volumes(project)).toEqual([]);
        expect(await networks(project)).toEqual([]);
      }
    });
  }
});
