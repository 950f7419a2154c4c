/** The fully resolved, validated desired state of one service: what plan hashes and deploy executes. */
export interface PortBinding {
  hostIp: string;
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface VolumeMount {
  type: 'volume' | 'bind';
  /** Volume name as written (unprefixed) or an absolute host path. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ConfigFileContent {
  target: string;
  content: string;
  mode: number;
  /** The template it was rendered from (or the service file that wrote it inline), for messages. */
  source: string;
}

export interface Dependency {
  service: string;
  condition: 'started' | 'healthy' | 'completed';
  /** Recreate this service when the dependency is recreated. */
  restart: boolean;
}

export type HealthProbe =
  | { kind: 'http'; port: number; path: string; status: number[] }
  | { kind: 'tcp'; port: number }
  | { kind: 'exec'; command: string[] };

export interface HealthCheck {
  probe: HealthProbe;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface BootstrapTask {
  name: string;
  run: 'container' | 'exec';
  command: string[];
  environment: Record<string, string>;
  /** How long it may run; absent means TASK_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface DevSource {
  path: string;
  target: string;
  /** Relative to path: the directory mounted at target, when not the whole tree. */
  mount?: string;
}

export interface WatchRule {
  paths: string[];
  action: 'restart' | 'sync' | 'exec' | 'rebuild' | 'warn';
  ignore: string[];
  command?: string[];
  target?: string;
  message?: string;
}

export interface DevConfig {
  /** The project whose checkout feeds this service, and where its package is installed. */
  checkout?: { project: string; package: string; target: string };
  /** Run in the container instead of restarting it, for a restart rule: the service reloads its code in place. */
  reload?: string[];
  /** Docker only: the command runs under a preloading parent, and a reload forks the service anew from it. */
  preload?: { helper: string; modules: string[]; via: 'parent' | 'uwsgi' };
  /** After a restart, wait until the service's API lists a new entry of it that matches `where`. */
  ready?: {
    api: string;
    path: string;
    list: string;
    id: string;
    /** A timestamp field: an entry is new when it is later than the restarted process's start. */
    since?: string;
    where: Record<string, string>;
    headers: Record<string, string>;
    timeoutMs: number;
  };
  sources: DevSource[];
  rules: WatchRule[];
  restartDependents: boolean;
  stopTimeoutMs?: number;
}

export interface BuildSpec {
  context: string;
  dockerfile: string;
  args: Record<string, string>;
}

/**
 * A service's place on the ctlplane: its address, or none for a service whose own L2 agent bridges the link (neutron's
 * DHCP agent, whose linuxbridge agent puts ctlplane0 into the provisioning network's bridge).
 */
export interface CtlplaneMember {
  address?: string;
}

export interface ResolvedService {
  name: string;
  /** The service file it came from, for messages. */
  file: string;
  image: string;
  build?: BuildSpec;
  command?: string[];
  entrypoint?: string[];
  user?: string;
  workingDir?: string;
  environment: Record<string, string>;
  ports: PortBinding[];
  volumes: VolumeMount[];
  configFiles: ConfigFileContent[];
  dependsOn: Dependency[];
  healthcheck?: HealthCheck;
  bootstrap: BootstrapTask[];
  stopSignal: string;
  stopTimeoutMs: number;
  /** Linux capabilities added to the container's (Docker only); absent when none, so other hashes stay. */
  capAdd?: string[];
  /** An init as PID 1 that reaps orphans (Docker only; the host's own init reaps a host process's); absent if not. */
  init?: true;
  /** Joins the project's ctlplane at this address (Docker only); absent when not, so other hashes stay. */
  ctlplane?: CtlplaneMember;
  restart: 'no' | 'on-failure' | 'unless-stopped' | 'always';
  /** How long a one-shot service may run; absent means ONE_SHOT_TIMEOUT_MS. */
  runTimeoutMs?: number;
  dev?: DevConfig;
  /** Commands run inside the running container before it is removed because the service left the profile. */
  onRemove?: RemovalTask[];
  /**
   * The enabled services whose contributions this one carries (haproxy: each API's frontend). Their config
   * is already in its files; this says who sends it traffic, for an upgrade's order.
   */
  contributors?: string[];
  /** What the deploy summary lists for it, when the service file says (not part of its config hash). */
  endpoints?: { name: string; url: string }[];
  /** Present on the host runtime only: the Debian packages the service's command comes from. */
  host?: { packages: string[] };
}

export interface RemovalTask {
  name: string;
  command: string[];
}

export interface ResolvedProfile {
  name: string;
  project: string;
  runtime: 'docker' | 'host';
  file: string;
  /** Services in dependency order. */
  services: ResolvedService[];
  steps: string[][];
  stateDir: string;
  /** Checks `berth verify` runs after a deploy, beyond every service's own health check. */
  verify: VerifyCheck[];
  /** Shared base images, built in order before service images. */
  images: { name: string; build: BuildSpec }[];
  /** Rendered files written under the state directory after a successful deploy. */
  hostFiles: { target: string; content: string; mode: number }[];
  client?: {
    image: string;
    /** The main process of one client container that serves every check; without it each runs alone. */
    serve?: string[];
    files: { target: string; content: string; mode: number; source: string }[];
  };
  /** OpenStack's own API tests, when the profile selects some. */
  tempest?: TempestSelection;
  /** Checkouts environment files name (`sources:`), by project: berth dev runs those projects from them. */
  checkouts?: Record<string, string>;
  /** Every profile, environment, service and template file this model was built from (berth dev reloads on edits). */
  files: string[];
  /** Files and directories outside the profile tree that a deploy reads (written as absolute paths). */
  outside: string[];
  /** Allowed but worth saying once per deploy: a port on every interface, a bind mount of /, a shared volume. */
  warnings: string[];
}

export interface TempestSelection {
  image: { name: string; build: BuildSpec };
  files: { target: string; content: string; mode: number; source: string }[];
  prepare: { name: string; command: string[] }[];
  concurrency?: number;
  suites: { name: string; regex: string }[];
  /** What `berth ci install` runs by default: names of suites. */
  ciSuites: string[];
  exclude: { regex: string; reason: string }[];
}

export interface VerifyCheck {
  name: string;
  service: string;
  http?: { port: number; path: string; status: number[]; contains?: string };
  exec?: string[];
  client?: string[];
  /** Output must contain this. */
  contains?: string;
  /** How many times to try again, a second apart (for things that settle, like a node enrolling). */
  retries: number;
  /** Names of checks that must have finished before this one starts. */
  after: string[];
}
