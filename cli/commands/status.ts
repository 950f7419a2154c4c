import type { Command } from 'commander';
import { projectStatus } from '../../lib/ops/project-state.js';
import { out, outJson, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerStatus(program: Command): void {
  common(program.command('status').description('state, health, image, ports and start time of every service')).action(
    action(async (opts: CommonOptions) => {
      const profile = load(opts);
      const status = await projectStatus(makeRuntime(opts), profile.project, profile);
      if (opts.json) return void outJson({ type: 'status', ...status });
      out(`project ${status.project}\n`);
      for (const s of status.services)
        out(`  ${s.name.padEnd(20)} ${s.state.padEnd(10)} ${s.health.padEnd(10)} ${s.ports.join(', ')}\n`);
      for (const l of status.leftovers)
        out(
          `  leftover ${l.role} container ${l.id.slice(0, 12)} (${l.status}) from an interrupted run; the next deploy or down removes it\n`,
        );
    }),
  );

  /** Prints each check's result (and a failing one's logs); returns how many failed. */
}
