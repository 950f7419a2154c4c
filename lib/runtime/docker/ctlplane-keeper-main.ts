// The ctlplane keeper's process (ctlplane-keeper.ts says why it exists). Its output is the keeper's log.
import { parseArgs } from 'node:util';
import { DockerClient } from './dockerode.js';
import { joinCtlplaneIfMember } from './ctlplane.js';
import { keepCtlplane } from './ctlplane-keeper.js';

const { values } = parseArgs({ options: { project: { type: 'string' }, 'pid-file': { type: 'string' } } });
const project = values.project;
if (!project) throw new Error('ctlplane keeper: --project is needed');
const docker = new DockerClient();
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
log(`keeping the ctlplane of project ${project}`);
await keepCtlplane(docker, project, (id) => joinCtlplaneIfMember(docker, id), log, stop.signal);
log('stopped');
