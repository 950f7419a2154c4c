import type { Evaluation } from '../evaluate/evaluate.js';
import type { Finding } from '../ops/doctor.js';
import type { CtlplanePlan } from '../nodes/ctlplane-plan.js';
import type { Enrolled } from '../nodes/enroll.js';
import type { NodeStatus, VirtualNode } from '../nodes/nodes.js';
import type { ProjectStatus } from '../ops/project-state.js';
import type { CheckResult } from '../ops/verify.js';
import type { TempestStage } from '../tempest/run.js';
import type { SuiteSummary, TempestTest } from '../tempest/selection.js';

/**
 * Every layer reports through these events; the plain, JSON and (later) Ink reporters only consume them.
 * Each carries `at` (ms since epoch) so consumers can show durations without their own clocks.
 */
export type ServiceState =
  | 'waiting' // for a dependency's condition
  | 'pulling'
  | 'building'
  | 'creating'
  | 'starting'
  | 'health' // waiting for its health probe
  | 'bootstrapping'
  | 'healthy'
  | 'running' // started, no health check declared
  | 'completed' // one-shot service exited 0
  | 'kept'
  | 'removing'
  | 'removed'
  | 'failed';

export type PlanActionKind = 'create' | 'recreate' | 'start' | 'keep' | 'remove';

export type BerthEvent =
  | {
      type: 'deploy.start';
      at: number;
      profile: string;
      project: string;
      runtime: string;
      engine: string;
      steps: string[][];
    }
  | {
      type: 'plan';
      at: number;
      /** Set by `berth plan`, which plans without deploying: its project, and what the loader found worth saying. */
      project?: string;
      outside?: string[];
      warnings?: string[];
      actions: { service: string; action: PlanActionKind; reasons: string[] }[];
      /** `berth plan`: the project's ctlplane, when a service joins it or nodes are on it. */
      ctlplane?: CtlplanePlan;
      /** Create-to-ready durations from earlier runs on this machine; absent on a first run. */
      history: Record<string, number>;
      /** Build durations of each image (or host package set) on earlier runs here, by the name image events use. */
      buildHistory?: Record<string, number>;
    }
  | { type: 'service.state'; at: number; service: string; state: ServiceState; detail?: string }
  | { type: 'build.progress'; at: number; service: string; step?: number; totalSteps?: number; line: string }
  /**
   * An image to build: queued for a build slot (behind `ahead` builds running or queued), or building now.
   * Each such image later gets image.ready, or its services fail.
   */
  | { type: 'image.state'; at: number; image: string; services: string[]; state: 'queued' | 'building'; ahead?: number }
  /** A service image built (or a host service's packages installed), and how long that took. */
  | { type: 'image.ready'; at: number; image: string; services: string[]; durationMs: number }
  | { type: 'health.probe'; at: number; service: string; ok: boolean; output: string; attempt: number }
  | {
      type: 'bootstrap.task';
      at: number;
      service: string;
      task: string;
      status: 'start' | 'done' | 'skipped' | 'failed';
      output?: string;
      /** An on_remove task, run as the service leaves. */ removal?: boolean;
    }
  | { type: 'service.log'; at: number; service: string; line: string }
  | { type: 'deploy.done'; at: number; durationMs: number; services: number }
  | {
      type: 'deploy.failed';
      at: number;
      durationMs: number;
      service?: string;
      message: string;
      hint?: string;
      logs?: string[];
      /** Ctrl-C or SIGTERM, not a fault. */ cancelled?: boolean;
    }
  | { type: 'message'; at: number; level: 'info' | 'warn'; text: string }
  | { type: 'rollback'; at: number; service: string; phase: 'start' | 'done' | 'failed'; detail?: string }
  | {
      type: 'dev.watching';
      at: number;
      trees: { root: string; services: string[]; directories: number }[];
      watches: number;
      maxWatches?: number;
    }
  | { type: 'dev.batch'; at: number; files: string[]; settled: boolean; services: string[] }
  /** Left alone: none of the service's processes has imported a module these files are. */
  | { type: 'dev.unaffected'; at: number; service: string; files: string[] }
  | {
      type: 'dev.action';
      at: number;
      service: string;
      action: 'restart' | 'sync' | 'exec' | 'rebuild' | 'restart-dependent';
      phase: 'start' | 'done' | 'failed';
      files: string[];
      /** First change event seen → healthy again (done) or failed. */
      latencyMs?: number;
      /** Last change event of the batch seen → action requested: berth's own overhead beyond the quiet window. */
      overheadMs?: number;
      output?: string;
      logs?: string[];
    }
  | { type: 'dev.reload'; at: number; files: string[]; ok: boolean; message?: string }
  | { type: 'dev.paused'; at: number; paused: boolean; held: number }
  /** A burst is being held until it settles (a branch switch, a slow checkout): how much so far. */
  | { type: 'dev.settling'; at: number; files: number }
  // What the commands that only look report: in --json output these are lines like every other event.
  | ({ type: 'status'; at: number } & ProjectStatus)
  | ({ type: 'verify.check'; at: number } & CheckResult)
  /** berth node add, list and remove: the project's virtual baremetal nodes. */
  | {
      type: 'node.added';
      at: number;
      node: VirtualNode;
      /** Its ironic node once enrolled; null with notEnrolled saying why it was not. */
      enrolled?: Enrolled | null;
      notEnrolled?: string;
    }
  | { type: 'node.list'; at: number; project: string; nodes: NodeStatus[] }
  /** berth node remove: the node, ironic's record of it when there was one, or why ironic was not asked. */
  | { type: 'node.removed'; at: number; node: string; ironicNode: string | null; ironicUnreachable?: string }
  | { type: 'verify.done'; at: number; passed: number; failed: number }
  /** berth verify --tempest: where the run is, each test's outcome, and the suites' totals. */
  | { type: 'tempest.stage'; at: number; stage: TempestStage }
  | { type: 'tempest.progress'; at: number; done: number; failed: number }
  | ({ type: 'tempest.test'; at: number } & TempestTest)
  | {
      type: 'tempest.done';
      at: number;
      suites: SuiteSummary[];
      wallMs: number;
      concurrency: number;
      leftovers: Record<string, string[]>;
    }
  | ({ type: 'doctor.finding'; at: number } & Finding)
  /** berth evaluate's result: the side-by-side rows and each runtime's figures. */
  | ({ type: 'evaluate'; at: number } & Evaluation)
  /** A command failed: the message and next step the plain output prints. */
  | { type: 'error'; at: number; message: string; hint?: string };

/** An event as a producer writes it: the bus stamps the time. */
export type EventInput = BerthEvent extends infer E ? (E extends BerthEvent ? Omit<E, 'at'> : never) : never;
