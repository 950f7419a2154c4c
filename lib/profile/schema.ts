import { constants } from 'node:os';
import { z } from 'zod';

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer one fires at once instead. */
const MAX_DURATION_MS = 2 ** 31 - 1;

/** A duration in milliseconds, the way parseDuration reads it. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  // Not a duration at all: the format's own error says so (zod still runs the refinements below).
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'ms' ? n : match[2] === 's' ? n * 1000 : n * 60_000;
}

/** "2s", "500ms", "1m", or a number of seconds. */
export const Duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m)$/, 'a duration like "500ms", "2s" or "1m"')])
  .refine((d) => !(durationMs(d) > MAX_DURATION_MS), 'a duration of at most 24 days (the longest timer Node can hold)');
/** A wait that must take some time: a probe's interval or timeout of 0 would spin or fail at once. */
const PositiveDuration = Duration.refine((d) => !(durationMs(d) <= 0), 'a duration longer than 0');

const Port = z.number().int().min(1, 'a port between 1 and 65535').max(65535, 'a port between 1 and 65535');

/** Names the engine takes for containers, hostnames and network aliases: 63 characters at most. */
export const ServiceName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a name of letters, digits, "_", "." and "-", starting with a letter or digit')
  .max(63, "a name of at most 63 characters (it is the container's hostname)");

/** Variable names the engine passes through unchanged: no "=", no whitespace, no line break. */
const EnvKey = z.string().regex(/^[^=\s]+$/, 'an environment variable name without "=", spaces or line breaks');

/** SIGTERM, TERM or a signal number, as the engine and Node know them. */
const Signal = z
  .string()
  .refine(
    (s) => (/^\d+$/.test(s) ? Number(s) >= 1 && Number(s) <= 64 : `SIG${s.replace(/^SIG/, '')}` in constants.signals),
    'a signal name like SIGTERM or SIGKILL',
  );

// A number in a command list (a port a var filled in, say) is the argument it spells, as in compose.
const StringList = z.union([z.string(), z.array(z.union([z.string(), z.number().transform(String)]))]);
const EnvValue = z.union([z.string(), z.number(), z.boolean()]);
const Environment = z.record(EnvKey, EnvValue);

export const PortSpec = z.union([
  z
    .string()
    .regex(
      /^((\d{1,3}\.){3}\d{1,3}:)?(\d{1,5}:)?\d{1,5}(\/(tcp|udp))?$/,
      'a port like "8080", "18080:8080" or "0.0.0.0:18080:8080"',
    )
    .refine(
      (p) =>
        p
          .split('/')[0]!
          .split(':')
          .slice(-2)
          .every((n) => Number(n) >= 1 && Number(n) <= 65535),
      'ports between 1 and 65535 (host and container)',
    ),
  Port,
]);

export const VolumeSpec = z.union([
  z
    .string()
    .regex(/^[^:]+:\/[^:]*(:(ro|rw))?$/, 'a volume like "data:/var/lib/x" (named) or "./conf:/etc/x:ro" (bind)'),
  z.strictObject({ source: z.string(), target: z.string().startsWith('/'), read_only: z.boolean().optional() }),
]);

const Condition = z.enum(['started', 'healthy', 'completed']);
export const DependsOn = z.union([
  z.array(z.string()),
  z.record(z.string(), z.strictObject({ condition: Condition.default('healthy'), restart: z.boolean().optional() })),
]);

const HealthCheckFields = z.strictObject({
  http: z
    .strictObject({ port: Port, path: z.string().default('/'), status: z.array(z.number().int()).optional() })
    .optional(),
  tcp: z.strictObject({ port: Port }).optional(),
  exec: StringList.optional(),
  interval: PositiveDuration.optional(),
  timeout: PositiveDuration.optional(),
  retries: z.number().int().min(1).optional(),
  start_period: Duration.optional(),
});

export const HealthCheck = HealthCheckFields.refine(
  (h) => [h.http, h.tcp, h.exec].filter(Boolean).length === 1,
  'exactly one of http, tcp or exec',
);

const TaskName = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a lower-case task name');

const bootstrapTaskFields = {
  name: TaskName,
  run: z.enum(['container', 'exec']),
  command: StringList,
  environment: Environment.optional(),
  /** How long the task may run before deploy stops it and fails (default 30m). */
  timeout: PositiveDuration.optional(),
};
export const BootstrapTask = z.strictObject({
  ...bootstrapTaskFields,
  run: bootstrapTaskFields.run.default('container'),
});

const ConfigFileFields = z.strictObject({
  /** A template file, relative to the file that names it. */
  source: z.string().optional(),
  /** Or the text itself, for a few lines (interpolated like the rest of the service file). */
  content: z.string().optional(),
  target: z.string().startsWith('/'),
  mode: z.number().int().optional(),
});
export const ConfigFile = ConfigFileFields.refine(
  (c) => (c.source === undefined) !== (c.content === undefined),
  'exactly one of source or content',
);

/** A command berth runs inside a service's running container just before removing it for good. */
export const RemovalTask = z.strictObject({ name: TaskName, command: z.array(z.string()).min(1) });

/*
 * Items of a `key+:` list and of an abstract service may be partial: they add to or change an item they
 * inherit (the one with the same name or target), and the merged service is checked whole. No defaults
 * here, or a patch would reset what it does not mention.
 */
const BootstrapTaskPatch = z.strictObject(bootstrapTaskFields).partial().required({ name: true });
const ConfigFilePatch = ConfigFileFields.partial().required({ target: true });
const RemovalTaskPatch = RemovalTask.partial().required({ name: true });
const DevSource = z.strictObject({
  path: z.string(),
  target: z.string().startsWith('/'),
  /** A directory inside the tree that is mounted at target (the tree is watched whole): a checkout's package. */
  mount: z.string().optional(),
});

/**
 * Which project's checkout feeds this service (`berth dev --source nova=DIR`): the checkout's `package`
 * directory is mounted over `target`, where the image installed it.
 */
const DevCheckout = z.strictObject({
  project: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a project name such as nova'),
  package: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Python package name such as nova'),
  target: z.string().startsWith('/'),
});

/**
 * What a service adds to another service when both are enabled: an API's haproxy frontend, say. The
 * lists are appended to the other service's own, so dropping the API drops its frontend too.
 */
export const Contribution = z.strictObject({
  ports: z.array(PortSpec).optional(),
  config_files: z.array(ConfigFile).optional(),
});

export const WatchRule = z.strictObject({
  paths: z.array(z.string()).min(1),
  /** warn: nothing is restarted; the message says why (dependencies come from the image, say). */
  action: z.enum(['restart', 'sync', 'exec', 'rebuild', 'warn']).default('restart'),
  ignore: z.array(z.string()).optional(),
  message: z.string().optional(),
  command: StringList.optional(),
  target: z.string().optional(),
});

/**
 * A worker that takes seconds to import its libraries restarts in dev mode from a parent that imported them once
 * (`helper`, relative to the file naming it, is mounted into the container and wraps the command; `modules` are
 * what it imports before forking the service, `pkg.*` a package and everything under it). Modules of the service's
 * own package are re-imported in each new child from the first one a save changed on, so they may be listed too.
 * Under uwsgi (`via: uwsgi`) the master is that parent: uwsgi's shared-import loads the helper there, and the
 * workers it forks inherit the modules.
 */
const DevPreload = z.strictObject({
  helper: z.string(),
  via: z.enum(['parent', 'uwsgi']).default('parent'),
  modules: z
    .array(
      z
        .string()
        .regex(
          /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\.\*)?$/,
          'a Python module name such as oslo_messaging, or a package and all under it: heat.engine.resources.*',
        ),
    )
    // None: the helper only records what each process imports (nova-api patches eventlet in its workers, after
    // which nothing the master imported may be reused).
    .default([]),
});

/**
 * An engine's readiness as its own API reports it, for berth dev's gate after a restart: GET `path` of the catalog's
 * `api` (through the project's clouds.yaml) until `list` holds an entry whose fields match `where` and that is new:
 * an `id` not listed before (heat's service list: a new engine_id with status up), or, with `since`, whose `since`
 * timestamp is later than the new process's start (ironic's conductor list keeps the hostname and re-registers it).
 */
const DevReady = z.strictObject({
  api: z.string(),
  path: z.string().startsWith('/'),
  list: z.string(),
  id: z.string(),
  since: z.string().optional(),
  where: z.record(z.string(), z.string()).optional(),
  /** Sent with each request, e.g. the microversion an API needs before it lists what `list` names. */
  headers: z.record(z.string(), z.string()).optional(),
  timeout: PositiveDuration.optional(),
});

export const DevBlock = z.strictObject({
  checkout: DevCheckout.optional(),
  preload: DevPreload.optional(),
  ready: DevReady.optional(),
  /**
   * How the service takes new code without a container restart (uwsgi respawning its workers, say): run
   * in the container for a `restart` rule, then the health check gates as after a restart.
   */
  reload: StringList.optional(),
  sources: z.array(DevSource).optional(),
  'sources+': z.array(DevSource).optional(),
  rules: z.array(WatchRule).optional(),
  'rules+': z.array(WatchRule).optional(),
  restart_dependents: z.boolean().optional(),
  stop_timeout: Duration.optional(),
});

const serviceShape = {
  description: z.string().optional(),
  image: z.string().optional(),
  build: z
    .strictObject({
      context: z.string(),
      dockerfile: z.string().optional(),
      args: z.record(z.string(), EnvValue).optional(),
    })
    .optional(),
  command: StringList.optional(),
  entrypoint: StringList.optional(),
  user: z.string().optional(),
  working_dir: z.string().optional(),
  environment: Environment.optional(),
  ports: z.array(PortSpec).optional(),
  volumes: z.array(VolumeSpec).optional(),
  config_files: z.array(ConfigFile).optional(),
  depends_on: DependsOn.optional(),
  healthcheck: HealthCheck.optional(),
  bootstrap: z.array(BootstrapTask).optional(),
  stop_signal: Signal.optional(),
  stop_timeout: Duration.optional(),
  /**
   * Linux capabilities the container adds to Docker's default set (compose's cap_add): a neutron agent that makes
   * network namespaces needs NET_ADMIN and SYS_ADMIN. They act inside the container's own network namespace.
   */
  cap_add: z
    .array(z.string().regex(/^[A-Z][A-Z_]+$/, 'a Linux capability without "CAP_", such as NET_ADMIN'))
    .optional(),
  /**
   * Run a small init as PID 1 that reaps orphans (compose's init; Docker's docker-init): for a service whose main
   * process is not one, such as neutron's DHCP agent, whose daemonised dnsmasq parents would stay zombies.
   */
  init: z.boolean().optional(),
  /**
   * Join the project's ctlplane, the bridge its virtual nodes boot on (`berth node add`), at this address (Docker
   * only): a service that talks to the nodes' BMCs or serves them boot files. No address: the link alone, for a
   * service whose own L2 agent bridges it (neutron's DHCP agent with its linuxbridge agent).
   */
  ctlplane: z
    .strictObject({
      address: z
        .ipv4()
        .refine((a) => /^192\.168\.24\.([2-9])$/.test(a), 'an address from 192.168.24.2 to .9')
        .optional(),
    })
    .optional(),
  restart: z.enum(['no', 'on-failure', 'unless-stopped', 'always']).optional(),
  /** How long a one-shot service (restart: "no", no health check) may run before deploy gives up on it. */
  timeout: PositiveDuration.optional(),
  dev: DevBlock.optional(),
  /** What the deploy summary lists for this service (default: its published ports): e.g. identity's URL. */
  endpoints: z.array(z.strictObject({ name: z.string(), url: z.string() })).optional(),
  contributes: z.record(z.string(), Contribution).optional(),
  /** Run on removal when the service leaves the composition (never on `berth down`): undo what bootstrap registered elsewhere. */
  on_remove: z.array(RemovalTask).optional(),
  // `key+:` adds to the list a service inherits (from what it extends, or from the file an environment
  // file overrides) instead of replacing it: see appendItems in merge.ts.
  'ports+': z.array(PortSpec).optional(),
  'volumes+': z.array(VolumeSpec).optional(),
  'config_files+': z.array(ConfigFilePatch).optional(),
  'bootstrap+': z.array(BootstrapTaskPatch).optional(),
  'on_remove+': z.array(RemovalTaskPatch).optional(),
};

/** Names a service file gives its own values, for itself and its templates: `${name}`, as parameters are. */
const Vars = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case variable name (letters, digits, "_")'),
  z.union([z.string(), z.number(), z.boolean()]),
);

/** What a service file may say about the files it builds on. */
const libraryShape = {
  /** A skeleton other services extend (openstack-api, say); a profile cannot enable it. */
  abstract: z.boolean().optional(),
  /** The library service this one starts from: its fields first, this file's over them. */
  extends: ServiceName.optional(),
  vars: Vars.optional(),
};

/**
 * How the service runs on the host runtime (`--runtime host`): the Debian packages it needs, plus any
 * fields that differ from the container (a foreground command, host paths and 127.0.0.1 ports), merged
 * over the service like an environment file. Named volumes live in ${host_dir}/volumes/<name>.
 */
export const HostBlock = z.strictObject({
  packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name')).optional(),
  command: StringList.optional(),
  working_dir: z.string().optional(),
  environment: Environment.optional(),
  ports: z.array(PortSpec).optional(),
  config_files: z.array(ConfigFile).optional(),
  healthcheck: HealthCheckFields.optional(),
  bootstrap: z.array(BootstrapTask).optional(),
  stop_signal: serviceShape.stop_signal,
  stop_timeout: Duration.optional(),
  'packages+': z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name')).optional(),
  'ports+': serviceShape['ports+'],
  'config_files+': serviceShape['config_files+'],
  'bootstrap+': serviceShape['bootstrap+'],
  /** Values of the service's vars on the host runtime, over its own. */
  vars: Vars.optional(),
});

export const ServiceFile = z.strictObject({ ...serviceShape, ...libraryShape, host: HostBlock.optional() });
export type ServiceFile = z.infer<typeof ServiceFile>;

/** A service that extends another may tune part of the health check it inherits (only its retries, say). */
export const ExtendingServiceFile = ServiceFile.extend({ healthcheck: HealthCheckFields.optional() });

/**
 * An abstract service is a skeleton: its list items may be partial (a bootstrap task with a name and no
 * command yet), to be completed by the services that extend it.
 */
export const AbstractServiceFile = z.strictObject({
  ...serviceShape,
  ...libraryShape,
  config_files: z.array(ConfigFilePatch).optional(),
  bootstrap: z.array(BootstrapTaskPatch).optional(),
  on_remove: z.array(RemovalTaskPatch).optional(),
  healthcheck: HealthCheckFields.optional(),
  host: HostBlock.optional(),
});

/**
 * What an environment file may say about one service: any field, plus enabling or disabling it. A health
 * check may be tuned in part (say, only its retries): the merged service is checked as a whole after.
 */
export const ServiceOverride = z.strictObject({
  ...serviceShape,
  // vars are read before an environment file is, so one cannot change them.
  host: HostBlock.omit({ vars: true }).optional(),
  healthcheck: HealthCheckFields.optional(),
  enabled: z.boolean().optional(),
});

const ParamValue = z.union([z.string(), z.number(), z.boolean()]);

export const VerifyCheck = z
  .strictObject({
    name: z.string(),
    /** The service the check is about: named in failures, and whose logs are shown. */
    service: z.string(),
    http: z
      .strictObject({
        port: z.number().int(),
        path: z.string().default('/'),
        status: z.array(z.number().int()).optional(),
        contains: z.string().optional(),
      })
      .optional(),
    exec: StringList.optional(),
    /** A command in a throwaway container of the client image on the host network, as a user on the host would run it. */
    client: StringList.optional(),
    contains: z.string().optional(),
    retries: z.number().int().min(0).optional(),
    /** Checks run side by side; one that needs another's effect (a visit counted) waits for it by name. */
    after: z.array(z.string()).optional(),
  })
  .refine((v) => [v.http, v.exec, v.client].filter(Boolean).length === 1, 'exactly one of http, exec or client');

export const ImageSpec = z.strictObject({
  name: z.string(),
  context: z.string(),
  dockerfile: z.string().optional(),
  args: z.record(z.string(), EnvValue).optional(),
});

const ClientFile = z.strictObject({
  source: z.string(),
  target: z.string().startsWith('/'),
  mode: z.number().int().optional(),
});

/** OpenStack's own API tests against the deployment: `berth verify --tempest` and `berth ci install`. */
export const TempestSpec = z.strictObject({
  /** The image Tempest and its plugins run from, built from this context when it changed. */
  image: ImageSpec,
  /** tempest.conf and anything else the run reads, rendered like the client's files. */
  files: z.array(ClientFile).min(1),
  /**
   * Commands run in the Tempest container before the tests, in order: for what exists only once deployed, such as
   * the ID of a network a bootstrap task made, written into tempest.conf.
   */
  prepare: z.array(z.strictObject({ name: TaskName, command: StringList })).optional(),
  /** Tests run side by side (default: one per CPU). */
  concurrency: z.number().int().positive().optional(),
  /** Named groups of tests, each a regular expression over test IDs; together they are what runs. */
  suites: z.array(z.strictObject({ name: z.string().min(1), regex: z.string().min(1) })).min(1),
  /** The suites `berth ci install` runs when no --tempest-suite says otherwise (default: all of them). */
  ci_suites: z.array(z.string().min(1)).optional(),
  /** Tests left out, each with the reason a reader of the report sees. */
  exclude: z
    .array(
      z.strictObject({
        regex: z.string().min(1),
        reason: z.string().min(1),
        /** The service whose presence lifts the exclusion (an environment file adds the agent the tests need). */
        unless_deployed: ServiceName.optional(),
      }),
    )
    .optional(),
});

export const HostFile = z.strictObject({
  source: z.string(),
  /** Relative to the project's state directory. */
  target: z.string().regex(/^[^/].*$/, 'a path relative to the state directory'),
  mode: z.number().int().optional(),
});

export const ProfileFile = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case name'),
  description: z.string().optional(),
  extends: z.array(z.string()).optional(),
  services: z.array(ServiceName).optional(),
  parameters: z.record(z.string(), ParamValue).optional(),
  secrets: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case secret name')).optional(),
  verify: z.array(VerifyCheck).optional(),
  /** Shared base images, built in order before any service image. */
  images: z.array(ImageSpec).optional(),
  /** Files rendered into the state directory after a deploy, e.g. clouds.yaml. */
  host_files: z.array(HostFile).optional(),
  /** The image verify's client checks run in (e.g. one with python3-openstackclient). */
  client: z
    .strictObject({
      image: z.string(),
      /** A long-lived main process for one client container that serves every check (default: each its own). */
      serve: StringList.optional(),
      files: z.array(ClientFile).optional(),
    })
    .optional(),
  tempest: TempestSpec.optional(),
});
export type ProfileFile = z.infer<typeof ProfileFile>;

export const EnvironmentFile = z.strictObject({
  parameters: z.record(z.string(), ParamValue).optional(),
  /** berth dev only: a project's checkout, as --source nova=DIR (relative to this file, or ~/...). */
  sources: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a project name such as nova'), z.string()).optional(),
  services: z.record(ServiceName, ServiceOverride).optional(),
});
export type EnvironmentFile = z.infer<typeof EnvironmentFile>;
