import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { BerthError } from '../errors.js';
import { abortableSleep } from '../health/probe.js';
import type { DevConfig } from '../profile/model.js';

type Ready = NonNullable<DevConfig['ready']>;

/** An API timestamp in ms; one without a zone is UTC, as OpenStack's database columns are. */
export function timestampMs(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`);
}

/**
 * When a restarted process began, for a `since` rule: the container's start when it is later than the action's own
 * (a container restart: the old process was gone by then), otherwise the action's (a reload or a fork in place).
 */
export function processStartMs(began: number, containerStartedAt?: string): number {
  const started = containerStartedAt ? Date.parse(containerStartedAt) : Number.NaN;
  return Number.isNaN(started) ? began : Math.max(began, started);
}

/**
 * The ids of `list`'s entries in an API answer, and the first new one that matches `where`: with `since`, one whose
 * timestamp is later than `after` (the restarted process's start), otherwise one whose id is not in `known`.
 * A timestamp the database truncated to the second can only look earlier than it was, so the rule errs late.
 */
export function listedIds(
  body: unknown,
  ready: Ready,
  known: ReadonlySet<string>,
  after = Number.POSITIVE_INFINITY,
): { ids: string[]; fresh?: string } {
  const items = (body as Record<string, unknown> | null)?.[ready.list];
  if (!Array.isArray(items)) return { ids: [] };
  const ids: string[] = [];
  let fresh: string | undefined;
  for (const item of items as Record<string, unknown>[]) {
    const id = item?.[ready.id];
    if (typeof id !== 'string') continue;
    ids.push(id);
    const matches = Object.entries(ready.where).every(([k, v]) => String(item[k]) === v);
    const isNew = ready.since ? timestampMs(item[ready.since]) > after : !known.has(id);
    if (fresh === undefined && matches && isNew) fresh = id;
  }
  return { ids, fresh };
}

interface CloudAuth {
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_name?: string;
  project_domain_name?: string;
}

/**
 * A keystone token and catalog from the clouds.yaml berth wrote for the project, renewed when an API refuses it.
 * The password is read from the 0600 file and sent only to the project's own keystone on 127.0.0.1.
 */
export class ApiSession {
  private token?: Promise<{
    token: string;
    catalog: { type: string; endpoints: { interface: string; url: string }[] }[];
  }>;

  constructor(private readonly cloudsFile: string) {}

  async get(api: string, path: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const session = await (this.token ??= this.authenticate(signal));
      const endpoint = session.catalog
        .find((c) => c.type === api)
        ?.endpoints.find((e) => e.interface === 'public')?.url;
      if (!endpoint) throw new BerthError(`no public ${api} endpoint in the catalog`);
      // heat-api asks an engine over RPC for its list; a request caught by an engine's kill would otherwise hang.
      const r = await fetch(`${endpoint.replace(/\/$/, '')}${path}`, {
        headers: { ...headers, 'x-auth-token': session.token, connection: 'close' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]),
      });
      if (r.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      if (!r.ok) throw new BerthError(`GET ${api} ${path} answered ${r.status}`);
      return r.json();
    }
  }

  private async authenticate(signal: AbortSignal) {
    const auth = (parse(readFileSync(this.cloudsFile, 'utf8')) as { clouds: Record<string, { auth: CloudAuth }> })
      .clouds;
    const cloud = Object.values(auth)[0]!.auth;
    const r = await fetch(`${cloud.auth_url.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal,
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: cloud.username,
                domain: { name: cloud.user_domain_name ?? 'Default' },
                password: cloud.password,
              },
            },
          },
          scope: { project: { name: cloud.project_name, domain: { name: cloud.project_domain_name ?? 'Default' } } },
        },
      }),
    });
    if (!r.ok) {
      this.token = undefined;
      throw new BerthError(`keystone refused the project's credentials (${r.status})`);
    }
    const body = (await r.json()) as { token: { catalog: [] } };
    return { token: r.headers.get('x-subject-token')!, catalog: body.token.catalog };
  }
}

/**
 * One service's readiness by its API: the ids listed so far, and after a restart, a wait for one more that matches.
 * The ids are learnt before any restart (and after each), so a restart's gate costs no request up front.
 */
export class ApiReadiness {
  private readonly known = new Set<string>();
  /** Whether the ids have been learnt once: until then every listed entry would look new. */
  learnt = false;

  constructor(
    private readonly session: ApiSession,
    readonly ready: Ready,
  ) {}

  async learn(signal: AbortSignal): Promise<void> {
    this.remember((await this.list(signal)).ids);
    this.learnt = true;
  }

  private async list(signal: AbortSignal, after?: number) {
    const { api, path, headers } = this.ready;
    return listedIds(await this.session.get(api, path, signal, headers), this.ready, this.known, after);
  }

  private remember(ids: string[]): void {
    for (const id of ids) this.known.add(id);
  }

  /**
   * Polls every 50 ms until a new matching entry is listed; throws after the timeout, naming what it waited for.
   * `startedAt` (ms) is when the restarted process began, for a `since` rule.
   */
  async awaitNew(signal: AbortSignal, startedAt = Date.now()): Promise<string> {
    const deadline = Date.now() + this.ready.timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const { ids, fresh } = await this.list(signal, startedAt);
        // Only once a new one matched: an entry listed before it matches (not up yet) must still count as new.
        if (fresh) {
          this.remember(ids);
          return fresh;
        }
        last = `${ids.length} listed, none new${this.ready.since ? ` by ${this.ready.since}` : ''}`;
      } catch (err) {
        if (signal.aborted) throw err;
        last = (err as Error).message;
      }
      await abortableSleep(50, signal);
    }
    const where = Object.entries(this.ready.where).map(([k, v]) => `${k} ${v}`);
    throw new BerthError(
      `its ${this.ready.api} API did not list a new entry${where.length ? ` with ${where.join(', ')}` : ''} within ` +
        `${this.ready.timeoutMs / 1000} s (last: ${last || 'no answer'})`,
    );
  }
}
