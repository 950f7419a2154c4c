import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { BerthEvent, EventInput, ServiceState } from '../../../lib/events/types.js';
import { initialDeployView, reduceDeploy, type DeployView } from '../../../cli/tui/deploy-view.js';
import { DeployScreen } from '../../../cli/tui/DeployScreen.js';
import { initialDevView, reduceDev } from '../../../cli/tui/dev-view.js';
import { DevScreen } from '../../../cli/tui/DevScreen.js';

/** Given events, when the screen renders at 80 columns, then the unstyled frame says what happened. */
const T0 = 1_700_000_000_000;
const at = (s: number) => T0 + s * 1000;
function deployView(events: EventInput[], times: number[] = []): DeployView {
  return events.reduce(
    (v, e, i) => reduceDeploy(v, { ...e, at: at(times[i] ?? i * 0.1) } as BerthEvent),
    initialDeployView({ profile: 'demo', project: 'demo' }),
  );
}
const start: EventInput = {
  type: 'deploy.start',
  profile: 'demo',
  project: 'demo',
  runtime: 'docker',
  engine: 'docker 20.10.24',
  steps: [['demo-cache'], ['demo-api'], ['demo-proxy']],
};
const plan = (history: Record<string, number> = {}, buildHistory?: Record<string, number>): EventInput => ({
  type: 'plan',
  history,
  buildHistory,
  actions: ['demo-cache', 'demo-api', 'demo-proxy'].map((service) => ({
    service,
    action: 'create',
    reasons: ['not deployed'],
  })),
});
const state = (service: string, s: ServiceState, detail?: string): EventInput => ({
  type: 'service.state',
  service,
  state: s,
  detail,
});
const frame = (view: DeployView, now = at(5)) =>
  render(
    <DeployScreen
      view={view}
      now={now}
      width={80}
      height={24}
      endpoints={[{ service: 'demo-proxy', url: 'http://127.0.0.1:18781' }]}
      credentials="/state/clouds.yaml"
    />,
  ).lastFrame()!;

describe('deploy screen', () => {
  it('on a cold run names each wait: an image queued behind builds, one building its step, and what comes after', () => {
    const image = (service: string, st: 'queued' | 'building', ahead?: number): EventInput => ({
      type: 'image.state',
      image: `berth/${service}`,
      services: [service],
      state: st,
      ahead,
    });
    const view = deployView([
      start,
      plan(),
      image('demo-cache', 'queued', 0),
      image('demo-cache', 'building'),
      state('demo-cache', 'building'),
      {
        type: 'build.progress',
        service: 'demo-cache',
        step: 3,
        totalSteps: 6,
        line: 'Step 3/6 : RUN apt-get install redis-server',
      },
      image('demo-api', 'queued', 1),
      state('demo-api', 'waiting', 'demo-cache (healthy), its image (berth/demo-api)'),
    ]);
    const f = frame(view);
    expect(f).toContain('berth · profile demo · project demo · docker 20.10.24');
    expect(f).toMatch(/demo-cache\s+image building step 3\/6\s+img 4\.7s\n/);
    expect(f).toMatch(/demo-api\s+image queued \(1 ahead\) · then demo-ca/);
    expect(f).toContain('0/3 · first run, no estimate');
    expect(f).toContain('── logs: demo-cache');
    expect(f).toContain('Step 3/6 : RUN apt-get install redis-server');
  });

  it('counts a service’s own time from its own work, its image’s build in a column apart', () => {
    const view = deployView(
      [
        start,
        plan(),
        { type: 'image.state', image: 'berth/demo-cache', services: ['demo-cache'], state: 'building' },
        state('demo-cache', 'building'),
        { type: 'image.ready', image: 'berth/demo-cache', services: ['demo-cache'], durationMs: 30_000 },
        state('demo-cache', 'creating'),
        state('demo-cache', 'healthy'),
      ],
      [0, 0, 0, 0, 30, 30, 31.5],
    );
    expect(frame(view, at(32))).toMatch(/demo-cache\s+healthy\s+img 30s\s+1\.5s/);
  });

  it('estimates a cold run from build history: a service starts no sooner than its image is built', () => {
    const view = deployView(
      [
        start,
        plan({ 'demo-cache': 2000, 'demo-api': 4000, 'demo-proxy': 1000 }, { 'berth/api': 10_000 }),
        { type: 'image.state', image: 'berth/api', services: ['demo-api'], state: 'building' },
        state('demo-cache', 'creating'),
      ],
      [0, 0, 1, 1],
    );
    // api's image is ready in 8 s (10 s of history, 2 s in), after cache's 1 s left; then api 4 s, proxy 1 s.
    expect(frame(view, at(3))).toContain('about 13s left');
  });

  it('estimates the time left from earlier runs: the slowest unfinished service of each step', () => {
    const view = deployView(
      [start, plan({ 'demo-cache': 2000, 'demo-api': 4000, 'demo-proxy': 1000 }), state('demo-cache', 'creating')],
      [0, 0, 1],
    );
    expect(frame(view, at(2))).toContain('about 6.0s left');
  });

  it('shows the probe while a service waits for health, and healthy services with durations', () => {
    const view = deployView(
      [
        start,
        plan(),
        state('demo-cache', 'creating'),
        state('demo-cache', 'healthy'),
        state('demo-api', 'health', 'GET :8080/healthz'),
        {
          type: 'health.probe',
          service: 'demo-api',
          ok: false,
          output: 'GET :8080/healthz: ECONNREFUSED',
          attempt: 2,
        },
      ],
      [0, 0, 0, 0.8, 1, 1.2],
    );
    const f = frame(view, at(2));
    expect(f).toMatch(/✔\s+demo-cache\s+healthy\s+0\.8s/);
    expect(f).toMatch(/demo-api\s+waiting for health: GET :8080\/healthz: ECONNREF…\s+1\.0s/);
    expect(f).toContain('1/3');
  });

  it('on failure highlights the service with its probe, logs and the next step', () => {
    const view = deployView([
      start,
      plan(),
      state('demo-api', 'failed', 'health'),
      {
        type: 'deploy.failed',
        durationMs: 9000,
        service: 'demo-api',
        message: 'service demo-api: health check never passed after 80 probes; last probe: GET :8080/healthz -> 503',
        hint: 'See all logs with "berth logs demo-api"',
        logs: ['redis: connection refused', 'retrying'],
      },
    ]);
    const f = frame(view);
    expect(f).toContain('demo-api failed');
    expect(f).toContain('health check never passed after 80 probes');
    expect(f).toContain('| redis: connection refused');
    expect(f).toContain('next: See all logs with "berth logs demo-api"');
  });

  it('shows warnings and an update rolling a service back, the latest three', () => {
    const view = deployView([
      start,
      plan(),
      {
        type: 'message',
        level: 'warn',
        text: 'removed 1 throwaway container (task) left by an interrupted run',
      },
      { type: 'rollback', service: 'demo-api', phase: 'start', detail: 'image 0123456789ab' },
      { type: 'rollback', service: 'demo-api', phase: 'done', detail: 'healthy on its previous image' },
    ]);
    const f = frame(view);
    expect(f).toContain('! removed 1 throwaway container (task) left by an interrupted run');
    expect(f).toContain('· demo-api: rolling back to its previous image and config (image 0123456789ab)');
    expect(f).toContain('· demo-api: rollback done (healthy on its previous image)');
    const later = reduceDeploy(view, { type: 'message', level: 'info', text: 'fourth', at: at(1) });
    expect(later.notices.map((n) => n.text)).toEqual([
      'demo-api: rolling back to its previous image and config (image 0123456789ab)',
      'demo-api: rollback done (healthy on its previous image)',
      'fourth',
    ]);
  });

  it('on success shows the total time, the endpoints and where the credentials are', () => {
    const view = deployView([
      start,
      plan(),
      state('demo-cache', 'healthy'),
      state('demo-api', 'healthy'),
      state('demo-proxy', 'healthy'),
      { type: 'deploy.done', durationMs: 1600, services: 3 },
    ]);
    const f = frame(view);
    expect(f).toContain('✔ 3 services healthy in 1.6s');
    expect(f).toMatch(/demo-proxy\s+http:\/\/127\.0\.0\.1:18781/);
    expect(f).toContain('credentials: /state/clouds.yaml');
  });

  it('says it is cancelling', () => {
    const view = { ...deployView([start, plan()]), phase: 'cancelling' as const };
    expect(frame(view)).toContain('cancelling…');
  });

  it('never wraps a line past 80 columns', () => {
    const long = 'x'.repeat(300);
    const view = deployView([
      start,
      plan(),
      state('demo-api', 'health', long),
      { type: 'health.probe', service: 'demo-api', ok: false, output: long, attempt: 1 },
      { type: 'service.log', service: 'demo-api', line: long },
    ]);
    for (const line of frame(view).split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('dev screen', () => {
  const events: EventInput[] = [
    start,
    state('demo-cache', 'kept'),
    state('demo-api', 'kept'),
    state('demo-proxy', 'kept'),
    {
      type: 'dev.watching',
      trees: [{ root: '/home/dev/api/src', services: ['demo-api'], directories: 3 }],
      watches: 3,
      maxWatches: 192536,
    },
    {
      type: 'dev.action',
      service: 'demo-api',
      action: 'restart',
      phase: 'start',
      files: ['/home/dev/api/src/server.mjs'],
    },
    {
      type: 'dev.action',
      service: 'demo-api',
      action: 'restart',
      phase: 'done',
      files: ['/home/dev/api/src/server.mjs'],
      latencyMs: 712,
    },
    {
      type: 'dev.action',
      service: 'demo-api',
      action: 'restart',
      phase: 'start',
      files: ['/a/x.mjs', '/a/y.mjs', '/a/z.mjs'],
    },
    {
      type: 'dev.action',
      service: 'demo-api',
      action: 'restart',
      phase: 'failed',
      files: ['/a/x.mjs', '/a/y.mjs', '/a/z.mjs'],
      latencyMs: 950,
      output: 'service demo-api exited with code 1',
      logs: ['SyntaxError: Unexpected token'],
    },
  ];
  const view = events.reduce((v, e, i) => reduceDev(v, { ...e, at: at(i) } as BerthEvent), initialDevView(''));

  it('shows the service table with state, health, last action, latency, restart count and trees', () => {
    const f = render(<DevScreen view={view} width={80} height={24} mode="main" />).lastFrame()!;
    expect(f).toContain('berth dev · demo · watching · 3 watches');
    expect(f).toMatch(/> demo-cache\s+running\s+healthy/);
    expect(f).toMatch(/demo-api\s+failed\s+failing\s+restart\s+950ms\s+2\s+api\/src/);
  });

  it('shows the event log with collapsed files, latencies, and the failure expanded with its logs', () => {
    const f = render(<DevScreen view={view} width={80} height={24} mode="main" />).lastFrame()!;
    expect(f).toMatch(/demo-api\s+restart\s+✔ 712ms src\/server\.mjs/);
    expect(f).toMatch(/demo-api\s+restart\s+✖ 950ms a\/x\.mjs \+2 more/);
    expect(f).toContain('service demo-api exited with code 1');
    expect(f).toContain('| SyntaxError: Unexpected token');
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('shows a service’s logs full screen, and the help', () => {
    const selected = { ...view, selected: 1 };
    expect(
      render(
        <DevScreen view={selected} width={80} height={24} mode="logs" logLines={['listening on 8080']} />,
      ).lastFrame(),
    ).toContain('logs: demo-api (esc back)\nlistening on 8080');
    expect(render(<DevScreen view={view} width={80} height={24} mode="help" />).lastFrame()).toContain(
      'p    pause/resume watching',
    );
  });
});
