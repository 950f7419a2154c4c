/** What `berth evaluate` measured of one runtime; times in ms, sizes in bytes, one entry per round. */
export interface RuntimeFigures {
  runtime: 'host' | 'docker';
  firstDeployMs: number;
  freshDeployMs: number[];
  noopDeployMs: number[];
  restartMs: number[];
  memory: { services: number; runtime: number; measure: 'PSS' | 'RSS' };
  disk: { software: number; data: number };
  verify: { passed: number; failed: number };
  /** berth evaluate --tempest: the profile's Tempest selection against this runtime's deployment. */
  tempest?: { passed: number; failed: number; skipped: number };
}

export interface EvaluationRow {
  /** What the row measures. */
  name: string;
  unit: 's' | 'MiB' | 'checks' | 'tests';
  host: number;
  docker: number;
  /** The runtime that did better, or 'even' within 5 %; and a plain word on how much. */
  better: 'host' | 'docker' | 'even';
  by: string;
}

const LABEL = { host: 'host processes', docker: 'containers' } as const;

/** The middle value: a round that met a busy machine moves it less than it moves a mean. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Which of two figures is better when less is better, and by how much. */
export function lessIsBetter(host: number, docker: number): Pick<EvaluationRow, 'better' | 'by'> {
  if (!Number.isFinite(host) || !Number.isFinite(docker)) return { better: 'even', by: 'not measured' };
  const [low, high] = host <= docker ? [host, docker] : [docker, host];
  if (high === 0 || (high - low) / high < 0.05) return { better: 'even', by: 'within 5 %' };
  const better = host < docker ? 'host' : 'docker';
  return { better, by: low === 0 ? 'none vs some' : `${(high / low).toFixed(1)}x less` };
}

/** The side-by-side rows, in the order a reader weighs them. */
export function evaluationRows(host: RuntimeFigures, docker: RuntimeFigures, restarted: string): EvaluationRow[] {
  // Hundredths: a no-op redeploy takes a tenth of a second, and tenths would call every one even.
  const seconds = (ms: number) => Math.round(ms / 10) / 100;
  const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const timed = (name: string, pick: (f: RuntimeFigures) => number): EvaluationRow => {
    const [h, d] = [seconds(pick(host)), seconds(pick(docker))];
    return { name, unit: 's', host: h, docker: d, ...lessIsBetter(h, d) };
  };
  const sized = (name: string, pick: (f: RuntimeFigures) => number): EvaluationRow => {
    const [h, d] = [mib(pick(host)), mib(pick(docker))];
    return { name, unit: 'MiB', host: h, docker: d, ...lessIsBetter(h, d) };
  };
  const failed = (f: RuntimeFigures) => f.verify.failed;
  return [
    timed('first deploy, as this machine stood', (f) => f.firstDeployMs),
    timed('deploy from nothing, packages or images present', (f) => median(f.freshDeployMs)),
    timed('no-op redeploy', (f) => median(f.noopDeployMs)),
    timed(`restart ${restarted} until healthy`, (f) => median(f.restartMs)),
    sized(`idle memory of the services (${host.memory.measure})`, (f) => f.memory.services),
    sized(`memory of the runtime's own processes (${host.memory.measure})`, (f) => f.memory.runtime),
    sized('disk: what the services run from (packages, images)', (f) => f.disk.software),
    sized('disk: data (named volumes)', (f) => f.disk.data),
    {
      name: 'verify: checks failed',
      unit: 'checks',
      host: failed(host),
      docker: failed(docker),
      ...(failed(host) === failed(docker)
        ? { better: 'even' as const, by: `both ${host.verify.passed} passed` }
        : { better: failed(host) < failed(docker) ? ('host' as const) : ('docker' as const), by: 'fewer failed' }),
    },
    ...(host.tempest && docker.tempest ? [tempestRow(host.tempest, docker.tempest)] : []),
  ];
}

function tempestRow(host: NonNullable<RuntimeFigures['tempest']>, docker: NonNullable<RuntimeFigures['tempest']>) {
  const row = { name: 'Tempest: tests failed', unit: 'tests' as const, host: host.failed, docker: docker.failed };
  if (host.failed === docker.failed)
    return { ...row, better: 'even' as const, by: `${host.passed} and ${docker.passed} passed` };
  return { ...row, better: host.failed < docker.failed ? ('host' as const) : ('docker' as const), by: 'fewer failed' };
}

function cells(row: EvaluationRow): string[] {
  const value = (v: number) => (Number.isFinite(v) ? `${v} ${row.unit}` : 'not measured');
  const better = row.better === 'even' ? `even (${row.by})` : `${LABEL[row.better]}, ${row.by}`;
  return [row.name, value(row.host), value(row.docker), better];
}

const HEADER = ['', LABEL.host, LABEL.docker, 'better'];

/** The table as aligned plain text, for a terminal or a CI log. */
export function plainTable(rows: EvaluationRow[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return (
    table
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** The table as Markdown, for --report and the README. */
export function markdownTable(rows: EvaluationRow[]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(['measure', ...HEADER.slice(1)]), line(HEADER.map(() => '---')), ...rows.map(cells).map(line)].join(
    '\n',
  );
}
