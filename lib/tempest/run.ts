import { cpus } from 'node:os';
import { BerthError, CancelledError } from '../errors.js';
import type { ResolvedProfile, TempestSelection } from '../profile/model.js';
import type { ClientEngine } from '../runtime/client-engine.js';
import { lockTempestRun } from './run-lock.js';
import { excludeList, includeList, parseResults, narrowSuites, selectSuites, type TempestTest } from './selection.js';

export interface TempestRun {
  /** What ran: the profile's selection, narrowed to the suites asked for. */
  selection: TempestSelection;
  tests: TempestTest[];
  wallMs: number;
  concurrency: number;
  /** What Tempest's own cleanup and `tempest cleanup` left behind: resource kind -> names or IDs. */
  leftovers: Record<string, string[]>;
  /** tempest run's exit status and its last lines, for a run that produced no results at all. */
  exitCode: number;
  tail: string;
}

export type TempestStage = 'image' | 'preparing' | 'saving-state' | 'running' | 'cleaning-up';

export interface TempestOptions {
  signal?: AbortSignal;
  onStage?: (stage: TempestStage) => void;
  /** Every half minute of the run: how many tests have finished, and how many of those failed. */
  onProgress?: (done: number, failed: number) => void;
}

const PROGRESS_EVERY_MS = 30_000;

const CONFIG_DIR = '/etc/tempest';
const WORKSPACE = '/var/lib/tempest/workspace';
// Tempest finds its configuration here (TEMPEST_CONFIG_DIR), `tempest cleanup` included.
const ENV = `export TEMPEST_CONFIG_DIR=${CONFIG_DIR} TEMPEST_CONFIG=tempest.conf; cd ${WORKSPACE}`;

/**
 * Runs the profile's Tempest selection against its deployment from a container on the host network (public
 * endpoints on 127.0.0.1, as the clouds.yaml berth wrote names them). Before the run the cloud's state is saved;
 * after it `tempest cleanup` removes what the tests' own cleanup missed, and a dry run lists what still remains.
 */
export async function runTempest(
  engine: ClientEngine,
  profile: ResolvedProfile,
  opts: TempestOptions & { concurrency?: number; suites?: string[]; regex?: string } = {},
): Promise<TempestRun> {
  if (!profile.tempest) throw new Error(`profile ${profile.name} selects no Tempest tests (no tempest: key)`);
  const selection = narrowSuites(selectSuites(profile.tempest, opts.suites), opts.regex);
  if (!engine.tools.openToolSession) throw new Error('this engine cannot keep a tool container running');
  const concurrency = opts.concurrency ?? selection.concurrency ?? cpus().length;
  const unlock = lockTempestRun(profile.stateDir);
  try {
    opts.onStage?.('image');
    await engine.images.ensureBuiltImage(selection.image.name, selection.image.build, { signal: opts.signal });
    return await runInSession(engine, profile, selection, concurrency, opts);
  } finally {
    unlock();
  }
}

async function runInSession(
  engine: ClientEngine,
  profile: ResolvedProfile,
  selection: TempestSelection,
  concurrency: number,
  opts: TempestOptions,
): Promise<TempestRun> {
  const session = await engine.tools.openToolSession!(profile.project, {
    image: selection.image.name,
    serve: ['sleep', 'infinity'],
    files: runFiles(selection),
  });
  const sh = async (script: string) => {
    if (opts.signal?.aborted) throw new CancelledError();
    return session.run(['sh', '-c', `${ENV}; ${script}`], { signal: opts.signal });
  };
  try {
    if (selection.prepare.length) opts.onStage?.('preparing');
    for (const step of selection.prepare) {
      if (opts.signal?.aborted) throw new CancelledError();
      // The profile's own command, as written: not through sh's workspace and Tempest environment.
      const done = await session.run(step.command, { signal: opts.signal });
      if (done.exitCode !== 0)
        throw new BerthError(
          `Tempest's prepare step "${step.name}" failed (exit ${done.exitCode}), so nothing ran:\n${lastLines(done.output)}`,
          "It runs in the Tempest container before the tests (the profile's tempest.prepare).",
        );
    }
    opts.onStage?.('saving-state');
    const saved = await sh('tempest cleanup --init-saved-state');
    if (saved.exitCode !== 0)
      throw new BerthError(
        `tempest cleanup --init-saved-state failed, so nothing ran:\n${lastLines(saved.output)}`,
        'Usually tempest.conf names an API this cloud lacks ([network-feature-enabled] api_extensions, say).',
      );
    opts.onStage?.('running');
    const t0 = Date.now();
    const progress = opts.onProgress && watchProgress(sh, opts.onProgress);
    // Stopped however the run ends: a cancelled run must not leave a timer asking a removed container.
    const run = await sh(
      `tempest run --include-list ${CONFIG_DIR}/include.txt --exclude-list ${CONFIG_DIR}/exclude.txt ` +
        `--concurrency ${concurrency} --subunit > /tmp/run.subunit 2> /tmp/run.err; status=$?; ` +
        `python3 /usr/local/lib/berth/tempest-results.py < /tmp/run.subunit > /tmp/results.jsonl; ` +
        `tail -n 20 /tmp/run.err; exit $status`,
    ).finally(() => progress?.stop());
    const wallMs = Date.now() - t0;
    const results = await sh('cat /tmp/results.jsonl');
    opts.onStage?.('cleaning-up');
    const cleaned = await sh(
      'tempest cleanup > /tmp/cleanup.log 2>&1; tempest cleanup --dry-run > /dev/null 2>&1; cat dry_run.json',
    );
    return {
      selection,
      tests: parseResults(results.output),
      wallMs,
      concurrency,
      leftovers: parseLeftovers(cleaned.output),
      exitCode: run.exitCode,
      tail: lastLines(run.output),
    };
  } finally {
    await session.close();
  }
}

/**
 * A run of the whole selection takes half an hour here: every half minute, the results so far are read from the
 * subunit stream as it grows (one exec, about a second of CPU) and reported. A tick is skipped while one runs.
 */
function watchProgress(
  sh: (script: string) => Promise<{ exitCode: number; output: string }>,
  onProgress: (done: number, failed: number) => void,
): { stop: () => void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sh(
      'python3 /usr/local/lib/berth/tempest-results.py < /tmp/run.subunit 2>/dev/null > /tmp/progress.jsonl; ' +
        'echo "$(wc -l < /tmp/progress.jsonl) $(grep -c \'"status": "fail"\' /tmp/progress.jsonl)"',
    )
      .then((r) => {
        const [done, failed] = r.output.trim().split(/\s+/).map(Number);
        if (Number.isFinite(done) && Number.isFinite(failed)) onProgress(done!, failed!);
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, PROGRESS_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function runFiles(selection: TempestSelection) {
  return [
    ...selection.files.map(({ target, content, mode }) => ({ target, content, mode })),
    { target: `${CONFIG_DIR}/include.txt`, content: includeList(selection), mode: 0o644 },
    { target: `${CONFIG_DIR}/exclude.txt`, content: excludeList(selection), mode: 0o644 },
  ];
}

/**
 * `tempest cleanup --dry-run` writes what it would delete by kind (networks, users, ...), as a list of objects
 * or an ID -> name map, some kinds nested a level under their service; kinds with nothing in them are left out.
 */
export function parseLeftovers(output: string): Record<string, string[]> {
  const start = output.indexOf('{');
  if (start < 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.slice(start));
  } catch {
    return {};
  }
  const leftovers: Record<string, string[]> = {};
  const isResource = (v: unknown): v is { id?: string; name?: string } =>
    typeof v === 'string' || (typeof v === 'object' && v !== null && ('id' in v || 'name' in v));
  const label = (v: unknown, key?: string) =>
    typeof v === 'string'
      ? key
        ? `${v} (${key})`
        : v
      : `${(v as { name?: string }).name || '(no name)'} (${(v as { id?: string }).id ?? key ?? '?'})`;
  const walk = (value: unknown, path: string[]) => {
    if (Array.isArray(value)) {
      if (value.length) leftovers[path.join('.')] = value.map((v) => label(v));
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length && path.length && entries.every(([, v]) => isResource(v)))
        leftovers[path.join('.')] = entries.map(([key, v]) => label(v, key));
      else for (const [key, inner] of entries) walk(inner, [...path, key]);
    }
  };
  walk(parsed, []);
  return leftovers;
}

function lastLines(text: string, n = 20): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
