import type { Command } from 'commander';
import { doctor } from '../../lib/ops/doctor.js';
import { out, outJson, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerDoctor(program: Command): void {
  common(
    program
      .command('doctor')
      .description('engine, disk, memory, base image, ports and inotify limits, each with a remedy'),
  ).action(
    action(async (opts: CommonOptions) => {
      let profile;
      try {
        profile = load(opts);
      } catch (e) {
        out(`FAIL profile: ${(e as Error).message}\n`);
      }
      const findings = await doctor(makeRuntime(opts), profile);
      for (const f of findings) {
        if (opts.json) outJson({ type: 'doctor.finding', ...f });
        else
          out(
            `${f.ok ? 'ok  ' : 'FAIL'} ${f.check.padEnd(10)} ${f.detail}${f.remedy ? `\n     next: ${f.remedy}` : ''}\n`,
          );
      }
      return findings.some((f) => !f.ok) || !profile ? 1 : 0;
    }),
  );
}
