#!/usr/bin/env -S node --max-semi-space-size=1
// The flag caps V8's young generation at 1 MB a semi-space (16 MB by default). A deploy and berth dev's first walk of
// a large tree grow it to 32 MB, which V8 gives back only once its memory reducer runs on an idle process, about a
// minute later; a watcher should be small from the start. V8 reads the cap when the heap is made, so it has to be a
// node flag: v8.setFlagsFromString at run time changes nothing. `env -S` passes it with no process of berth's own.
import { Command } from 'commander';

type Register = (program: Command) => void;

// Each command's module pulls in its part of lib/ (dockerode, the host runtime, the evaluator...); loading only the
// one named on the command line keeps a no-op `berth deploy` and `berth status` from paying for all the others.
const commandModules: Record<string, () => Promise<Register>> = {
  deploy: async () => (await import('./commands/deploy.js')).registerDeployAndUpdate,
  ci: async () => (await import('./commands/ci.js')).registerCi,
  dev: async () => (await import('./commands/dev.js')).registerDev,
  plan: async () => (await import('./commands/plan.js')).registerPlan,
  status: async () => (await import('./commands/status.js')).registerStatus,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  upgrade: async () => (await import('./commands/upgrade.js')).registerUpgrade,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  exec: async () => (await import('./commands/exec.js')).registerExec,
  restart: async () => (await import('./commands/restart.js')).registerRestart,
  down: async () => (await import('./commands/down.js')).registerDown,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  images: async () => (await import('./commands/images.js')).registerImages,
  evaluate: async () => (await import('./commands/evaluate.js')).registerEvaluate,
  source: async () => (await import('./commands/source.js')).registerSource,
  node: async () => (await import('./commands/node.js')).registerNode,
};
const moduleOf: Record<string, string> = { update: 'deploy' };

const program = new Command('berth')
  .description('Deploy a containerized single-node OpenStack undercloud from composable profiles.')
  .showHelpAfterError();

// The first argument that is not an option names the command; anything else (--help, a typo) needs them all,
// for the command list and for commander's "did you mean".
const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const wanted = named && (moduleOf[named] ?? named);
const loaders = wanted && commandModules[wanted] ? [commandModules[wanted]] : Object.values(commandModules);
for (const register of await Promise.all(loaders.map((load) => load()))) register(program);

await program.parseAsync(process.argv);
