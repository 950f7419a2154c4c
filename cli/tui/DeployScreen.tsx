import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { DeployView, Endpoint, ServiceView } from './deploy-view.js';
import { isActive, logFocus, progress } from './deploy-view.js';
import { bar, clip, seconds } from './format.js';

export interface DeployScreenProps {
  view: DeployView;
  now: number;
  width: number;
  height: number;
  endpoints: Endpoint[];
  credentials?: string;
}

const ICON: Partial<Record<ServiceView['state'], string>> = {
  healthy: '✔',
  running: '✔',
  completed: '✔',
  kept: '=',
  failed: '✖',
  removed: '-',
  pending: '·',
  waiting: '·',
};

/** Where the image a service waits for is: queued for a build slot, or which step it is building. */
function imagePhase(s: ServiceView): string | undefined {
  if (!s.image || s.image.state === 'built') return undefined;
  if (s.image.state === 'queued') return `image queued${s.image.ahead ? ` (${s.image.ahead} ahead)` : ''}`;
  return `image building${s.buildStep ? ` ${s.buildStep}` : ''}`;
}

function describe(s: ServiceView, view: DeployView): string {
  switch (s.state) {
    case 'pending':
      return s.action === 'keep' ? 'unchanged' : (imagePhase(s) ?? 'queued');
    case 'waiting': {
      const image = imagePhase(s);
      // The scheduler names the image among what the service waits for; the image's own phase says more.
      const others = (s.detail ?? '').replace(/,? ?its image \([^)]*\)/, '').replace(/^, /, '');
      return image ? `${image}${others ? ` · then ${others}` : ''}` : `waiting on ${s.detail ?? 'dependencies'}`;
    }
    case 'pulling':
    case 'building':
      return imagePhase(s) ?? `building its image ${s.buildStep ?? ''}`.trim();
    case 'health':
      return `waiting for health${s.lastProbe ? `: ${s.lastProbe}` : ''}`;
    case 'bootstrapping':
      return `bootstrapping ${s.detail ?? ''}`.trim();
    case 'kept':
    case 'healthy':
      return s.action === 'keep' || s.state === 'kept' ? 'healthy (kept unchanged)' : 'healthy';
    case 'failed':
      return view.failure?.service === s.name ? 'FAILED' : `failed: ${s.detail ?? ''}`;
    default:
      return s.detail ? `${s.state}: ${s.detail}` : s.state;
  }
}

function ServiceLine({
  s,
  view,
  now,
  width,
  buildColumn,
}: {
  s: ServiceView;
  view: DeployView;
  now: number;
  width: number;
  /** Some image is built in this run: its build time gets a column of its own. */
  buildColumn: boolean;
}) {
  const duration = s.startedAt ? seconds((s.endedAt ?? now) - s.startedAt) : '';
  // Build time is the image's, shown apart: the duration column is the service's own work.
  const build =
    s.image?.state === 'built' && s.image.durationMs !== undefined
      ? `img ${seconds(s.image.durationMs)}`
      : s.image?.state === 'building' && s.image.startedAt
        ? `img ${seconds(now - s.image.startedAt)}`
        : '';
  const color =
    s.state === 'failed'
      ? 'red'
      : s.state === 'healthy' || s.state === 'running' || s.state === 'completed'
        ? 'green'
        : s.state === 'kept'
          ? 'gray'
          : undefined;
  const text = clip(describe(s, view), Math.max(10, width - (buildColumn ? 41 : 32)));
  return (
    <Box>
      <Box width={3}>
        {isActive(s) && view.phase === 'running' ? (
          <Text color="cyan">
            <Spinner type="dots" />
          </Text>
        ) : (
          <Text color={color}>{ICON[s.state] ?? '·'}</Text>
        )}
      </Box>
      <Box width={20}>
        <Text bold={s.state === 'failed'} color={color} wrap="truncate">
          {s.name}
        </Text>
      </Box>
      <Box flexGrow={1}>
        <Text color={color} wrap="truncate">
          {text}
        </Text>
      </Box>
      {buildColumn ? (
        <Box width={9} justifyContent="flex-end">
          <Text dimColor>{build}</Text>
        </Box>
      ) : null}
      <Box width={7} justifyContent="flex-end">
        <Text dimColor>{duration}</Text>
      </Box>
    </Box>
  );
}

export function DeployScreen({ view, now, width, height, endpoints, credentials }: DeployScreenProps) {
  const elapsed = view.startedAt ? (view.durationMs ?? now - view.startedAt) : 0;
  const p = progress(view, now);
  const eta =
    view.phase === 'running'
      ? p.etaMs === undefined
        ? 'first run, no estimate'
        : `about ${seconds(p.etaMs)} left`
      : '';
  const focus = logFocus(view);
  const buildColumn = Object.values(view.services).some((s) => s.image);
  const serviceLines = view.steps.reduce((n, s) => n + s.length + 1, 0);
  const logRows = Math.max(3, Math.min(12, height - serviceLines - 8));
  const logs = focus ? (view.services[focus]?.logs ?? []).slice(-logRows) : [];
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold>berth</Text> · profile {view.profile} · project {view.project}
        {view.engine ? ` · ${view.engine}` : ''} · {seconds(elapsed)}
        {view.phase === 'cancelling' ? (
          <Text color="yellow"> · cancelling… (the next deploy converges from here)</Text>
        ) : null}
      </Text>
      {view.notices.map((n, i) => (
        <Text key={`notice-${i}`} color={n.level === 'warn' ? 'yellow' : undefined} wrap="truncate">
          {n.level === 'warn' ? '! ' : '· '}
          {n.text}
        </Text>
      ))}
      {view.steps.map((step, i) => (
        <Box key={i} flexDirection="column">
          <Text dimColor>step {i + 1}</Text>
          {step.map((name) =>
            view.services[name] ? (
              <ServiceLine
                key={name}
                s={view.services[name]!}
                view={view}
                now={now}
                width={width}
                buildColumn={buildColumn}
              />
            ) : null,
          )}
        </Box>
      ))}
      {view.phase === 'running' || view.phase === 'cancelling' ? (
        <Text wrap="truncate">
          {bar(p.done, p.total, 24)} {p.done}/{p.total} · {eta}
        </Text>
      ) : null}
      {view.phase === 'failed' && view.failure?.cancelled ? (
        <Box flexDirection="column" borderStyle="single" borderColor="yellow" paddingX={1}>
          <Text color="yellow" bold wrap="truncate">
            cancelled after {seconds(view.durationMs)}
          </Text>
          <Text wrap="truncate">{view.failure.hint}</Text>
        </Box>
      ) : null}
      {view.phase === 'failed' && view.failure && !view.failure.cancelled ? (
        <Box flexDirection="column" borderStyle="single" borderColor="red" paddingX={1}>
          <Text color="red" bold wrap="truncate">
            {view.failure.service ? `${view.failure.service} failed` : 'deploy failed'}
          </Text>
          {view.failure.message
            .split('\n')
            .slice(0, 3)
            .map((l, i) => (
              <Text key={i} wrap="truncate">
                {l}
              </Text>
            ))}
          {view.failure.logs.slice(-Math.max(3, logRows)).map((l, i) => (
            <Text key={i} dimColor wrap="truncate">
              | {l}
            </Text>
          ))}
          {view.failure.hint ? (
            <Text color="yellow" wrap="truncate">
              next: {view.failure.hint}
            </Text>
          ) : null}
        </Box>
      ) : null}
      {view.phase === 'done' ? (
        <Box flexDirection="column">
          <Text color="green" bold>
            ✔ {Object.keys(view.services).length} services healthy in {seconds(view.durationMs)}
          </Text>
          {endpoints.map((e) => (
            <Text key={e.service + e.url} wrap="truncate">
              {'  '}
              {e.service.padEnd(17)} {(e.name ?? '').padEnd(14)} {e.url}
            </Text>
          ))}
          {credentials ? <Text wrap="truncate">credentials: {credentials}</Text> : null}
        </Box>
      ) : null}
      {view.phase !== 'done' && view.phase !== 'failed' && focus ? (
        <Box flexDirection="column">
          <Text dimColor wrap="truncate">
            ── logs: {focus} (←/→ switch) {'─'.repeat(20)}
          </Text>
          {logs.map((l, i) => (
            <Text key={i} wrap="truncate">
              {l}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
