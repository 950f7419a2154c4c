import type { BerthEvent } from '../../lib/events/types.js';

export interface DevServiceRow {
  name: string;
  state: string;
  health: 'healthy' | 'failing' | 'unknown';
  lastAction?: string;
  lastLatencyMs?: number;
  restarts: number;
  trees: string[];
}

export interface DevLogEntry {
  at: number;
  service: string;
  action: string;
  files: string[];
  result: 'running' | 'ok' | 'failed';
  latencyMs?: number;
  output?: string;
  logs?: string[];
}

export interface DevView {
  project: string;
  phase: 'deploying' | 'watching' | 'stopping';
  rows: DevServiceRow[];
  log: DevLogEntry[];
  selected: number;
  paused: boolean;
  watches?: number;
  maxWatches?: number;
  notice?: string;
}

const LOG_ENTRIES = 100;

export function initialDevView(project: string): DevView {
  return { project, phase: 'deploying', rows: [], log: [], selected: 0, paused: false };
}

function row(view: DevView, name: string): DevServiceRow {
  return (
    view.rows.find((r) => r.name === name) ?? { name, state: 'pending', health: 'unknown', restarts: 0, trees: [] }
  );
}

function upsert(view: DevView, next: DevServiceRow): DevServiceRow[] {
  const i = view.rows.findIndex((r) => r.name === next.name);
  if (i < 0) return [...view.rows, next];
  const rows = [...view.rows];
  rows[i] = next;
  return rows;
}

/** Pure: the dev screen's state after one more core event. */
export function reduceDev(view: DevView, e: BerthEvent): DevView {
  switch (e.type) {
    case 'deploy.start':
      return {
        ...view,
        project: e.project,
        rows: e.steps.flat().reduce((rows, name) => upsert({ ...view, rows }, row({ ...view, rows }, name)), view.rows),
      };
    case 'service.state': {
      const r = row(view, e.service);
      const health =
        e.state === 'healthy' || e.state === 'running' || e.state === 'kept'
          ? 'healthy'
          : e.state === 'failed'
            ? 'failing'
            : r.health;
      return { ...view, rows: upsert(view, { ...r, state: e.state === 'kept' ? 'running' : e.state, health }) };
    }
    case 'dev.watching': {
      let rows = view.rows;
      for (const t of e.trees)
        for (const s of t.services)
          rows = upsert(
            { ...view, rows },
            { ...row({ ...view, rows }, s), trees: [...row({ ...view, rows }, s).trees, t.root] },
          );
      return { ...view, phase: 'watching', rows, watches: e.watches, maxWatches: e.maxWatches };
    }
    case 'dev.action': {
      const r = row(view, e.service);
      if (e.phase === 'start') {
        const entry: DevLogEntry = {
          at: e.at,
          service: e.service,
          action: e.action,
          files: e.files,
          result: 'running',
        };
        return {
          ...view,
          rows: upsert(view, {
            ...r,
            state: e.action === 'rebuild' ? 'rebuilding' : 'restarting',
            lastAction: e.action,
          }),
          log: [...view.log, entry].slice(-LOG_ENTRIES),
        };
      }
      const ok = e.phase === 'done';
      const log = [...view.log];
      const i = log.map((l) => l.service === e.service && l.result === 'running').lastIndexOf(true);
      const finished: DevLogEntry = {
        ...(log[i] ?? { at: e.at, service: e.service, action: e.action, files: e.files }),
        result: ok ? 'ok' : 'failed',
        latencyMs: e.latencyMs,
        output: e.output,
        logs: e.logs,
      };
      if (i >= 0) log[i] = finished;
      else log.push(finished);
      const restarted = e.action === 'restart' || e.action === 'rebuild' || e.action === 'restart-dependent';
      return {
        ...view,
        rows: upsert(view, {
          ...r,
          state: ok ? 'running' : 'failed',
          health: ok ? 'healthy' : 'failing',
          lastLatencyMs: e.latencyMs,
          restarts: r.restarts + (restarted ? 1 : 0),
        }),
        log: log.slice(-LOG_ENTRIES),
      };
    }
    case 'dev.reload':
      return {
        ...view,
        notice: e.ok
          ? `profile change applied (${e.files.map((f) => f.split('/').pop()).join(', ')})`
          : `profile change rejected: ${e.message?.split('\n')[0]}`,
      };
    case 'dev.unaffected':
      return {
        ...view,
        notice: `${e.service} left running: it has not imported ${e.files.map((f) => f.split('/').pop()).join(', ')}`,
      };
    case 'dev.settling':
      return { ...view, notice: `settling: ${e.files} files so far` };
    case 'dev.paused':
      return { ...view, paused: e.paused, notice: e.paused ? 'watching paused: changes are held' : 'watching resumed' };
    case 'deploy.failed':
      return { ...view, notice: `deploy failed: ${e.message.split('\n')[0]}` };
    default:
      return view;
  }
}

export function select(view: DevView, delta: number): DevView {
  if (view.rows.length === 0) return view;
  return { ...view, selected: (view.selected + delta + view.rows.length) % view.rows.length };
}

/** "server.mjs" for one file, "server.mjs +2 more" for several: the event log stays one line. */
export function collapseFiles(files: readonly string[]): string {
  if (files.length === 0) return '(manual)';
  const first = files[0]!.split('/').slice(-2).join('/');
  return files.length === 1 ? first : `${first} +${files.length - 1} more`;
}
