import type { BerthEvent } from '../../lib/events/types.js';

/**
 * One line per meaningful change, for CI logs and pipes: service state changes, build steps (not every
 * apt line), probe failures only every few attempts, and the failure with its logs at the end.
 */
const short = (file: string) => file.split('/').slice(-2).join('/');

export function plainReporter(write: (line: string) => void, { verbose = false } = {}): (e: BerthEvent) => void {
  let t0: number | undefined;
  let width = 12;
  const lastStep = new Map<string, number | undefined>();
  const stamp = (at: number) => `[${((at - (t0 ?? at)) / 1000).toFixed(1).padStart(5)}s]`;
  return (e) => {
    t0 ??= e.at;
    const say = (text: string) => write(`${stamp(e.at)} ${text}`);
    switch (e.type) {
      case 'deploy.start':
        width = Math.max(12, ...e.steps.flat().map((s) => s.length));
        say(
          `deploying profile ${e.profile} as project ${e.project} on ${e.engine}; ${e.steps.length} steps: ${e.steps.map((s) => s.join(' ')).join(' | ')}`,
        );
        break;
      case 'plan':
        for (const a of e.actions)
          say(`${a.service.padEnd(width)} plan: ${a.action}${a.reasons.length ? ` (${a.reasons.join(', ')})` : ''}`);
        break;
      case 'service.state':
        say(`${e.service.padEnd(width)} ${e.state}${e.detail ? `: ${e.detail}` : ''}`);
        break;
      case 'build.progress':
        if (verbose) say(`${e.service.padEnd(width)} | ${e.line}`);
        else if (e.step !== undefined && e.step !== lastStep.get(e.service)) {
          lastStep.set(e.service, e.step);
          say(
            `${e.service.padEnd(width)} building step ${e.step}/${e.totalSteps}: ${e.line.replace(/^Step \d+\/\d+ : /, '').slice(0, 100)}`,
          );
        } else if (e.step === undefined) say(`${e.service.padEnd(width)} ${e.line}`);
        break;
      case 'image.state':
        say(
          `${e.services[0]!.padEnd(width)} image ${e.state === 'queued' ? `queued: ${e.image}${e.ahead ? ` (behind ${e.ahead} builds)` : ''}` : `building: ${e.image} (for ${e.services.join(', ')})`}`,
        );
        break;
      case 'image.ready':
        say(`${e.services[0]!.padEnd(width)} image ready: ${e.image} in ${(e.durationMs / 1000).toFixed(1)} s`);
        break;
      case 'health.probe':
        if (verbose || (!e.ok && e.attempt % 10 === 0))
          say(`${e.service.padEnd(width)} probe ${e.attempt}: ${e.output}`);
        break;
      case 'bootstrap.task':
        if (e.status !== 'start')
          say(`${e.service.padEnd(width)} ${e.removal ? 'on_remove' : 'bootstrap'} ${e.task}: ${e.status}`);
        break;
      case 'rollback':
        say(
          `${e.service.padEnd(width)} rollback ${e.phase === 'start' ? 'to its previous image and config' : e.phase}${e.detail ? `: ${e.detail}` : ''}`,
        );
        break;
      case 'service.log':
        if (verbose) say(`${e.service.padEnd(width)} | ${e.line}`);
        break;
      case 'deploy.done':
        say(`done: ${e.services} services converged in ${(e.durationMs / 1000).toFixed(1)} s`);
        break;
      case 'deploy.failed':
        if (e.cancelled) {
          say(`cancelled: ${e.hint ?? ''}`);
          break;
        }
        say(`FAILED${e.service ? ` (${e.service})` : ''}: ${e.message}`);
        for (const line of e.logs ?? []) write(`    | ${line}`);
        if (e.hint) write(`  next: ${e.hint}`);
        break;
      case 'dev.watching':
        for (const t of e.trees) say(`watching ${t.root} (${t.directories} directories) for ${t.services.join(', ')}`);
        say(
          `${e.watches} inotify watches of ${e.maxWatches ?? 'unknown'} available; Ctrl-C stops watching and leaves everything running`,
        );
        break;
      case 'dev.settling':
        say(`settling: ${e.files} files so far`);
        break;
      case 'dev.batch':
        if (e.settled)
          say(
            `settled after a burst of ${e.files.length} changes; one plan for: ${e.services.join(', ') || 'nothing'}`,
          );
        break;
      case 'dev.unaffected':
        say(`${e.service.padEnd(width)} left running: it has not imported ${e.files.map(short).join(', ')}`);
        break;
      case 'dev.action': {
        const files =
          e.files.length > 3
            ? `${e.files.slice(0, 3).map(short).join(', ')} and ${e.files.length - 3} more`
            : e.files.map(short).join(', ');
        if (e.phase === 'start') say(`${e.service.padEnd(width)} ${e.action}${files ? ` <- ${files}` : ''}`);
        else if (e.phase === 'done')
          say(`${e.service.padEnd(width)} ${e.action} done: healthy ${e.latencyMs} ms after the save`);
        else {
          say(`${e.service.padEnd(width)} ${e.action} FAILED after ${e.latencyMs} ms: ${e.output ?? ''}`);
          for (const line of e.logs ?? []) write(`    | ${line}`);
          write('  next: fix and save again; berth keeps watching');
        }
        break;
      }
      case 'dev.reload':
        say(
          e.ok
            ? `profile changed (${e.files.map(short).join(', ')}): applied`
            : `profile changed but is invalid, kept the running state:
${e.message}`,
        );
        break;
      case 'message':
        say(`${e.level === 'warn' ? 'warning: ' : ''}${e.text}`);
        break;
    }
  };
}
