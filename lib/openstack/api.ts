import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { BerthError, throwIfAborted } from '../errors.js';

/** The cloud berth writes for a deployed project (clouds.yaml in its state directory): its admin on 127.0.0.1. */
export interface CloudAuth {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

export function readCloud(file: string, name = 'undercloud'): CloudAuth {
  const doc = parse(readFileSync(file, 'utf8')) as { clouds?: Record<string, { auth?: Record<string, string> }> };
  const auth = doc.clouds?.[name]?.auth;
  if (!auth?.auth_url || !auth.username || !auth.password)
    throw new BerthError(`${file} has no cloud "${name}" with auth_url, username and password`, 'Deploy again.');
  return {
    authUrl: auth.auth_url,
    username: auth.username,
    password: auth.password,
    projectName: auth.project_name ?? 'admin',
    userDomainName: auth.user_domain_name ?? 'Default',
    projectDomainName: auth.project_domain_name ?? 'Default',
  };
}

type Catalog = { type: string; endpoints: { interface: string; url: string }[] }[];

/**
 * A small client for the few OpenStack calls berth makes itself (enrolling a node): a keystone token and the public
 * endpoints of its catalog. Request bodies can hold secrets (a BMC password), so errors quote the response only.
 */
export class OpenStackApi {
  private constructor(
    private readonly token: string,
    private readonly endpoints: Map<string, string>,
    private readonly signal?: AbortSignal,
  ) {}

  /** The same client, whose calls an abort of `signal` ends at once (CancelledError). */
  withSignal(signal: AbortSignal | undefined): OpenStackApi {
    return new OpenStackApi(this.token, this.endpoints, signal);
  }

  static async connect(cloud: CloudAuth): Promise<OpenStackApi> {
    const res = await fetch(`${cloud.authUrl.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: cloud.username, domain: { name: cloud.userDomainName }, password: cloud.password },
            },
          },
          scope: { project: { name: cloud.projectName, domain: { name: cloud.projectDomainName } } },
        },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 201)
      throw new BerthError(`keystone at ${cloud.authUrl} refused a token: ${res.status} ${await res.text()}`);
    const token = res.headers.get('x-subject-token')!;
    const catalog = ((await res.json()) as { token: { catalog: Catalog } }).token.catalog;
    const endpoints = new Map<string, string>();
    for (const entry of catalog) {
      const url = entry.endpoints.find((e) => e.interface === 'public')?.url;
      if (url) endpoints.set(entry.type, url.replace(/\/$/, ''));
    }
    return new OpenStackApi(token, endpoints);
  }

  /** Whether the catalog has a public endpoint of this type. */
  has(service: string): boolean {
    return this.endpoints.has(service);
  }

  /** A call to one service of the catalog; `expect` lists the statuses that are not errors. */
  async call<T = unknown>(
    service: string,
    method: string,
    path: string,
    opts: { body?: unknown; raw?: Buffer; headers?: Record<string, string>; expect?: number[] } = {},
  ): Promise<{ status: number; body: T }> {
    const base = this.endpoints.get(service);
    if (!base) throw new BerthError(`the cloud's catalog has no public ${service} endpoint`);
    const headers: Record<string, string> = { 'X-Auth-Token': this.token, ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] ??= 'application/json';
    if (opts.raw) headers['Content-Type'] = 'application/octet-stream';
    throwIfAborted(this.signal);
    const deadline = AbortSignal.timeout(120_000);
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: opts.raw ? new Uint8Array(opts.raw) : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: this.signal ? AbortSignal.any([deadline, this.signal]) : deadline,
    }).catch((cause: unknown) => {
      throwIfAborted(this.signal);
      throw cause;
    });
    const text = await res.text();
    const expect = opts.expect ?? [200, 201, 202, 204];
    if (!expect.includes(res.status))
      throw new BerthError(`${service}: ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text itself
    }
    return { status: res.status, body: body as T };
  }
}
