import { afterEach, describe, expect, it, vi } from 'vitest';
import { printTempest } from '../../cli/commands/tempest-report.js';
import type { TempestRun } from '../../lib/tempest/run.js';

const run: TempestRun = {
  selection: {
    image: { name: 'berth/tempest:zed', build: { context: '/nowhere', dockerfile: 'Dockerfile', args: {} } },
    files: [],
    prepare: [],
    suites: [{ name: 'compute-api', regex: '^tempest\\.api\\.compute\\.' }],
    ciSuites: [],
    exclude: [],
  },
  tests: [
    {
      id: 'tempest.api.compute.servers.test_create_server.ServersTestJSON.test_list_servers',
      status: 'success',
      seconds: 2.04,
    },
    {
      id: 'tempest.api.compute.servers.test_create_server.ServersTestJSON.test_host_name_is_same_as_server_name',
      status: 'skip',
      seconds: 0,
      reason: 'Instance validation tests are disabled.\nmore',
    },
    {
      id: 'tempest.api.compute.servers.test_server_actions.ServerActionsTestJSON.test_reboot_server_hard',
      status: 'fail',
      seconds: 40,
      traceback: 'Traceback\nTimeoutException: boom',
    },
  ],
  wallMs: 42_000,
  concurrency: 1,
  leftovers: {},
  exitCode: 1,
  tail: '',
};

function printed(options: Parameters<typeof printTempest>[1]): { text: string; failed: number } {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    text += String(chunk);
    return true;
  });
  const failed = printTempest(run, options);
  vi.restoreAllMocks();
  return { text, failed };
}

describe('the Tempest report', () => {
  afterEach(() => vi.restoreAllMocks());

  it('names only the failures without --verbose', () => {
    const { text, failed } = printed({});
    expect(failed).toBe(1);
    expect(text).toContain(
      'FAIL tempest.api.compute.servers.test_server_actions.ServerActionsTestJSON.test_reboot_server_hard',
    );
    expect(text).not.toContain('test_list_servers');
    expect(text).not.toContain('test_host_name_is_same_as_server_name');
  });

  it('lists each pass with its time and each skip with the first line of its reason under --verbose', () => {
    const { text } = printed({ verbose: true });
    expect(text).toContain(
      'ok   tempest.api.compute.servers.test_create_server.ServersTestJSON.test_list_servers (2.0 s)',
    );
    expect(text).toContain(
      'skip tempest.api.compute.servers.test_create_server.ServersTestJSON.test_host_name_is_same_as_server_name: ' +
        'Instance validation tests are disabled.\n',
    );
    expect(text).toMatch(/compute-api\s+1\s+1\s+1/);
  });
});
