import { resolve } from 'node:path';
import type { Command } from 'commander';
import { copyInstalledSource } from '../../lib/dev/source-tree.js';
import { load, makeDockerRuntime, out, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerSource(program: Command): void {
  common(
    program
      .command('source')
      .description(
        'copy a project’s Python package as its image installed it into DIR, a new git repository, for berth dev --source',
      )
      .argument('<project>', 'nova, keystone, glance, neutron, ironic, heat or placement')
      .argument('<dir>', 'a new directory'),
  ).action(
    action(async (project: string, dir: string, opts: CommonOptions) => {
      const profile = load(opts);
      const target = resolve(dir);
      const r = await copyInstalledSource(makeDockerRuntime(), profile, project, target);
      out(
        `${target}: ${project}${r.version ? ` ${r.version}` : ''} from ${r.image}, ${r.files} files in one commit\n` +
          `next: berth dev -p ${profile.name} --source ${project}=${target}\n`,
      );
    }),
  );
}
