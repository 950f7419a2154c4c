#!/usr/bin/env node
import { Command } from 'commander';
import { registerDeployAndUpdate } from './commands/deploy.js';
import { registerCi } from './commands/ci.js';
import { registerDev } from './commands/dev.js';
import { registerPlan } from './commands/plan.js';
import { registerStatus } from './commands/status.js';
import { registerVerify } from './commands/verify.js';
import { registerUpgrade } from './commands/upgrade.js';
import { registerLogs } from './commands/logs.js';
import { registerExec } from './commands/exec.js';
import { registerRestart } from './commands/restart.js';
import { registerDown } from './commands/down.js';
import { registerDoctor } from './commands/doctor.js';
import { registerImages } from './commands/images.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerSource } from './commands/source.js';

const program = new Command('berth')
  .description('Deploy a containerized single-node OpenStack undercloud from composable profiles.')
  .showHelpAfterError();

const commands = [
  registerDeployAndUpdate,
  registerCi,
  registerDev,
  registerPlan,
  registerStatus,
  registerVerify,
  registerUpgrade,
  registerLogs,
  registerExec,
  registerRestart,
  registerDown,
  registerDoctor,
  registerImages,
  registerEvaluate,
  registerSource,
];
for (const register of commands) register(program);

await program.parseAsync(process.argv);
