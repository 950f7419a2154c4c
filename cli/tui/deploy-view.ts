import type { BerthEvent, PlanActionKind, ServiceState } from '../../lib/events/types.js';
import { estimateRemaining } from '../../lib/state/timings.js';

export interface ServiceView {
  name: string;
  state: ServiceState | 'pending';
  detail?: string;
  action?: PlanActionKind;
  startedAt?: number;
  endedAt?: number;
  lastProbe?: string;
  buildStep?: string;
  /** The image this service waits for, while it is built in this run (absent when it was ready already). */
  image?: ImageView;
  logs: string[];
}

export interface ImageView {
  name: string;
  state: 'queued' | 'building' | 'built';
  /** Builds running or queued before this one when it was queued. */
  ahead?: number;
  startedAt?: number;
  durationMs?: number;
}

export interface Endpoint {
  service: string;
  /** What it is (identity, image, …), when the service file says. */
  name?: string;
  url: string;
}

export interface DeployView {
  profile: string;
  project: string;
  runtime: string;
  engine: string;
  startedAt: number;
  steps: string[][];
  services: Record<string, ServiceView>;
  history?: Record<string, number>;
  buildHistory?: Record<string, number>;
  phase: 'starting' | 'running' | 'done' | 'failed' | 'cancelling';
  failure?: { service?: string; message: string; hint?: string; logs: string[]; cancelled?: boolean };
  durationMs?: number;
  /** A service the user picked for the log pane with the arrow keys; otherwise the pane follows the slowest. */
  pinnedLog?: string;
  /** The latest messages and rollbacks, newest last: warnings (leftovers removed) and what an update undid. */
  notices: { level: 'info' | 'warn'; text: string }[];
}

const NOTICES = 3;

const LOG_LINES = 200;
const ACTIVE: ReadonlySet<ServiceView['state']> = new Set([
  'pulling',
  'building',
  'creating',
  'starting',
  'health',
  'bootstrapping',
  'removing',
]);
/** Build work, shown as the image's phase: a service's own duration starts after it. */
const BUILD: ReadonlySet<ServiceView['state']> = new Set(['pulling', 'building']);
const FINISHED: ReadonlySet<ServiceView['state']> = new Set([
  'healthy',
  'running',
  'completed',
  'kept',
  'removed',
  'failed',
]);

export function initialDeployView(meta: { profile: string; project: string }): DeployView {
  return { ...meta, runtime: '', engine: '', startedAt: 0, steps: [], services: {}, phase: 'starting', notices: [] };
}

export const isActive = (s: ServiceView) => ACTIVE.has(s.state);
export const isFinished = (s: ServiceView) => FINISHED.has(s.state);

function touch(view: DeployView, name: string): ServiceView {
  return view.services[name] ?? { name, state: 'pending', logs: [] };
}

function withLog(s: ServiceView, line: string): ServiceView {
  const logs = s.logs.length >= LOG_LINES ? [...s.logs.slice(-LOG_LINES + 1), line] : [...s.logs, line];
  return { ...s, logs };
}

/** Pure: the deploy screen's state after one more core event. */
export function reduceDeploy(view: DeployView, e: BerthEvent): DeployView {
  switch (e.type) {
    case 'deploy.start':
      return {
        ...view,
        runtime: e.runtime,
        engine: e.engine,
        steps: e.steps,
        startedAt: e.at,
        phase: 'running',
        services: Object.fromEntries(e.steps.flat().map((n) => [n, touch(view, n)])),
      };
    case 'plan': {
      const services = { ...view.services };
      for (const a of e.actions) services[a.service] = { ...touch(view, a.service), action: a.action };
      return {
        ...view,
        services,
        history: Object.keys(e.history).length ? e.history : undefined,
        buildHistory: e.buildHistory,
      };
    }
    case 'service.state': {
      const s = touch(view, e.service);
      const next: ServiceView = { ...s, state: e.state, detail: e.detail };
      if (ACTIVE.has(e.state) && !BUILD.has(e.state) && s.startedAt === undefined) next.startedAt = e.at;
      if (FINISHED.has(e.state)) next.endedAt = e.at;
      return { ...view, services: { ...view.services, [e.service]: next } };
    }
    case 'image.state':
    case 'image.ready': {
      const services = { ...view.services };
      for (const name of e.services) {
        const s = touch(view, name);
        const image: ImageView =
          e.type === 'image.ready'
            ? { ...s.image, name: e.image, state: 'built', durationMs: e.durationMs }
            : e.state === 'queued'
              ? { name: e.image, state: 'queued', ahead: e.ahead }
              : { name: e.image, state: 'building', startedAt: e.at };
        services[name] = { ...s, image };
      }
      return { ...view, services };
    }
    case 'build.progress': {
      // Reported for the service the image is built for; every service waiting on that image shows it.
      const s = touch(view, e.service);
      const step = e.step !== undefined ? `step ${e.step}/${e.totalSteps}` : s.buildStep;
      const services = { ...view.services, [e.service]: { ...withLog(s, e.line), buildStep: step } };
      for (const other of Object.values(view.services))
        if (other.name !== e.service && s.image && other.image?.name === s.image.name)
          services[other.name] = { ...other, buildStep: step };
      return { ...view, services };
    }
    case 'health.probe':
      return {
        ...view,
        services: { ...view.services, [e.service]: { ...touch(view, e.service), lastProbe: e.output } },
      };
    case 'service.log':
      return { ...view, services: { ...view.services, [e.service]: withLog(touch(view, e.service), e.line) } };
    case 'message':
      return { ...view, notices: [...view.notices, { level: e.level, text: e.text }].slice(-NOTICES) };
    case 'rollback': {
      const text = `${e.service}: ${e.phase === 'start' ? 'rolling back to its previous image and config' : `rollback ${e.phase}`}${e.detail ? ` (${e.detail})` : ''}`;
      const level = e.phase === 'failed' ? ('warn' as const) : ('info' as const);
      return { ...view, notices: [...view.notices, { level, text }].slice(-NOTICES) };
    }
    case 'deploy.done':
      return { ...view, phase: 'done', durationMs: e.durationMs };
    case 'deploy.failed':
      return {
        ...view,
        phase: 'failed',
        durationMs: e.durationMs,
        failure: {
          service: e.service,
          message: e.message,
          hint: e.hint,
          cancelled: e.cancelled,
          logs: e.logs ?? (e.service ? (view.services[e.service]?.logs.slice(-30) ?? []) : []),
        },
      };
    default:
      return view;
  }
}

/** The service the log pane shows: the pinned one, else the active service that has been busy longest. */
export function logFocus(view: DeployView): string | undefined {
  if (view.pinnedLog) return view.pinnedLog;
  if (view.failure?.service) return view.failure.service;
  const active = Object.values(view.services)
    .filter(isActive)
    .sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  return (
    active[0]?.name ??
    Object.values(view.services)
      .filter((s) => s.logs.length)
      .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))[0]?.name
  );
}

export interface Progress {
  done: number;
  total: number;
  /** Milliseconds left, or undefined when there is no history to estimate from. */
  etaMs?: number;
}

export function progress(view: DeployView, now: number): Progress {
  const all = Object.values(view.services);
  const done = all.filter(isFinished).length;
  const todo = new Set(all.filter((s) => !isFinished(s) && s.action !== 'keep').map((s) => s.name));
  const etaMs = view.history
    ? estimateRemaining(
        view.steps,
        todo,
        view.history,
        (n) => (view.services[n]?.startedAt ? now - view.services[n]!.startedAt! : 0),
        (n) => imageReadyIn(view, n, now),
      )
    : undefined;
  return { done, total: all.length, etaMs };
}

/** When a service's image will be ready, from this machine's build history; undefined without one. */
function imageReadyIn(view: DeployView, service: string, now: number): number | undefined {
  const image = view.services[service]?.image;
  if (!image || image.state === 'built') return 0;
  const took = view.buildHistory?.[image.name];
  if (took === undefined) return undefined;
  return Math.max(0, took - (image.startedAt ? now - image.startedAt : 0));
}

export function cycleLog(view: DeployView, direction: 1 | -1): DeployView {
  const names = view.steps.flat();
  if (names.length === 0) return view;
  const current = logFocus(view);
  const i = current ? names.indexOf(current) : -1;
  return { ...view, pinnedLog: names[(i + direction + names.length) % names.length] };
}
