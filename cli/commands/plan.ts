import type { Command } from 'commander';
import { planOnly } from '../../lib/deploy/plan-only.js';
import { ctlplaneFor, namespaceExists } from '../../lib/nodes/ctlplane.js';
import { ctlplaneLine, planCtlplane } from '../../lib/nodes/ctlplane-plan.js';
import { readNodes } from '../../lib/nodes/nodes.js';
import { Timings } from '../../lib/state/timings.js';
import { out, outJson, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerPlan(program: Command): void {
  common(
    program.command('plan').description('show what deploy would do, per service, and why; changes nothing'),
  ).action(
    action(async (opts: CommonOptions) => {
      const profile = load(opts);
      const actions = await planOnly(makeRuntime(opts), profile);
      const net = ctlplaneFor(profile.project, profile.stateDir);
      const ctlplane = planCtlplane(profile, net, {
        namespace: namespaceExists(net),
        nodes: readNodes(profile.stateDir).map((n) => n.name),
      });
      if (opts.json)
        outJson({
          type: 'plan',
          project: profile.project,
          actions: actions.map(({ service, action, reasons }) => ({ service, action, reasons })),
          ctlplane,
          history: new Timings(profile.stateDir).read(),
          outside: profile.outside,
          warnings: profile.warnings,
        });
      else {
        for (const a of actions)
          out(`${a.action.padEnd(9)} ${a.service}${a.reasons.length ? `  (${a.reasons.join(', ')})` : ''}\n`);
        const line = ctlplaneLine(ctlplane);
        if (line) out(line + '\n');
        for (const path of profile.outside) out(`reads    ${path}  (outside the profile tree)\n`);
        for (const text of profile.warnings) out(`warning  ${text}\n`);
      }
    }),
  );
}
