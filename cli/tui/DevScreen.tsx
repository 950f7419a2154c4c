import { Box, Text } from 'ink';
import type { DevView } from './dev-view.js';
import { collapseFiles } from './dev-view.js';
import { clip } from './format.js';

export type DevMode = 'main' | 'logs' | 'help';

export interface DevScreenProps {
  view: DevView;
  width: number;
  height: number;
  mode: DevMode;
  logLines?: string[];
}

const KEYS = '↑/↓ select · r restart · b rebuild · l logs · p pause · ? help · q quit';

function time(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

export function DevScreen({ view, width, height, mode, logLines = [] }: DevScreenProps) {
  const selected = view.rows[view.selected];
  if (mode === 'logs' && selected) {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold wrap="truncate">
          logs: {selected.name} (esc back)
        </Text>
        {logLines.slice(-(height - 2)).map((l, i) => (
          <Text key={i} wrap="truncate">
            {l}
          </Text>
        ))}
      </Box>
    );
  }
  if (mode === 'help') {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold>berth dev: keys</Text>
        <Text>{'↑/↓  select a service'}</Text>
        <Text>{'r    restart it now (health-gated)'}</Text>
        <Text>{'b    rebuild its image and recreate it'}</Text>
        <Text>{'l    its logs, full screen (esc back)'}</Text>
        <Text>{'p    pause/resume watching (changes are held, then applied as one plan)'}</Text>
        <Text>{'q    quit: stop watching, leave everything running'}</Text>
        <Text dimColor>esc or ? to go back</Text>
      </Box>
    );
  }
  const tableRows = view.rows.length + 2;
  const logRows = Math.max(3, height - tableRows - 5);
  const entries = view.log.slice(-logRows);
  const nameW = Math.min(20, Math.max(8, ...view.rows.map((r) => r.name.length + 1)));
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold>berth dev</Text> · {view.project} ·{' '}
        {view.phase === 'deploying' ? 'deploying…' : view.paused ? <Text color="yellow">paused</Text> : 'watching'}
        {view.watches !== undefined ? ` · ${view.watches} watches` : ''}
      </Text>
      <Text dimColor wrap="truncate">
        {'  '}
        {'service'.padEnd(nameW)}
        {'state'.padEnd(12)}
        {'health'.padEnd(9)}
        {'last'.padEnd(9)}
        {'latency'.padEnd(9)}
        {'restarts'.padEnd(9)}trees
      </Text>
      {view.rows.map((r, i) => (
        <Text key={r.name} inverse={i === view.selected} wrap="truncate">
          {i === view.selected ? '> ' : '  '}
          {clip(r.name, nameW - 1).padEnd(nameW)}
          {clip(r.state, 11).padEnd(12)}
          <Text color={r.health === 'healthy' ? 'green' : r.health === 'failing' ? 'red' : undefined}>
            {r.health.padEnd(9)}
          </Text>
          {(r.lastAction ?? '-').padEnd(9)}
          {(r.lastLatencyMs !== undefined ? `${r.lastLatencyMs}ms` : '-').padEnd(9)}
          {String(r.restarts).padEnd(9)}
          {r.trees.map((t) => t.split('/').slice(-2).join('/')).join(', ') || '-'}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        ── events {'─'.repeat(Math.max(0, width - 11))}
      </Text>
      {entries.length === 0 ? <Text dimColor>save a file in a watched tree…</Text> : null}
      {entries.map((e, i) => (
        <Box key={i} flexDirection="column">
          <Text wrap="truncate" color={e.result === 'failed' ? 'red' : undefined}>
            {time(e.at)} {clip(e.service, 16).padEnd(16)} {e.action.padEnd(8)}{' '}
            {e.result === 'running' ? '…' : e.result === 'ok' ? `✔ ${e.latencyMs}ms` : `✖ ${e.latencyMs}ms`}{' '}
            {collapseFiles(e.files)}
          </Text>
          {e.result === 'failed' && i === entries.length - 1 ? (
            <Box flexDirection="column" paddingLeft={2}>
              {e.output ? (
                <Text color="red" wrap="truncate">
                  {e.output.split('\n')[0]}
                </Text>
              ) : null}
              {(e.logs ?? []).slice(-5).map((l, j) => (
                <Text key={j} dimColor wrap="truncate">
                  | {l}
                </Text>
              ))}
            </Box>
          ) : null}
        </Box>
      ))}
      {view.notice ? (
        <Text color="yellow" wrap="truncate">
          {view.notice}
        </Text>
      ) : null}
      <Text dimColor wrap="truncate">
        {KEYS}
      </Text>
    </Box>
  );
}
