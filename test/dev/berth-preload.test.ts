import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const helper = join(process.cwd(), 'profiles/services/dev/berth-preload.py');

/**
 * Runs `body` in a Python with the helper loaded as a module (`bp`) and a package `pkg` on its path:
 * `base` imports nothing of pkg, `used` is imported by `user`, `late` is imported after them.
 */
function python(body: string, env: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-preload-'));
  mkdirSync(join(root, 'pkg'));
  writeFileSync(join(root, 'pkg', '__init__.py'), '');
  writeFileSync(join(root, 'pkg', 'base.py'), 'VALUE = "base"\n');
  writeFileSync(join(root, 'pkg', 'used.py'), 'VALUE = "old"\n');
  writeFileSync(join(root, 'pkg', 'user.py'), 'from pkg.used import VALUE\n');
  writeFileSync(join(root, 'pkg', 'late.py'), 'VALUE = "late"\n');
  const prelude = [
    'import importlib.util, os, sys',
    `sys.path.insert(0, ${JSON.stringify(root)})`,
    `spec = importlib.util.spec_from_file_location("bp", ${JSON.stringify(helper)})`,
    'bp = importlib.util.module_from_spec(spec); spec.loader.exec_module(bp)',
    `ROOT = ${JSON.stringify(root)}`,
    'def edit(name, text):',
    '    path = os.path.join(ROOT, "pkg", name + ".py")',
    '    st = os.stat(path)',
    '    with open(path, "w") as f: f.write(text)',
    // A save within the same mtime tick as the import still differs in size here; keep the clock honest anyway.
    '    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))',
  ].join('\n');
  return execFileSync('python3', ['-c', `${prelude}\n${body}`], {
    encoding: 'utf8',
    env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' },
  }).trim();
}

describe('berth-preload: a child drops what a save made stale', () => {
  it('drops the changed module and what was imported after it, keeps what came before, and re-imports from disk', () => {
    const out = python(
      [
        'spans = bp.ImportSpans(["pkg"])',
        'bp.preload(["pkg.base", "pkg.user", "pkg.late"], spans)',
        'assert spans not in sys.meta_path',
        'base = sys.modules["pkg.base"]',
        'edit("used", "VALUE = \\"new\\"\\n")',
        'dropped = bp.drop_stale(spans.spans)',
        'print(sorted(n for n in ("pkg.base", "pkg.used", "pkg.user", "pkg.late") if n in sys.modules), dropped)',
        'import pkg.user',
        'from pkg import used',
        'print(pkg.user.VALUE, used.VALUE, sys.modules["pkg.base"] is base)',
      ].join('\n'),
    );
    expect(out.split('\n')).toEqual(["['pkg.base'] 3", 'new new True']);
  });

  it('keeps everything when no file changed', () => {
    const out = python(
      [
        'spans = bp.ImportSpans(["pkg"])',
        'bp.preload(["pkg.user"], spans)',
        'print(bp.drop_stale(spans.spans), "pkg.used" in sys.modules)',
      ].join('\n'),
    );
    expect(out).toBe('0 True');
  });

  it('imports a whole package with pkg.*', () => {
    const out = python(
      ['bp.preload(["pkg.*"])', 'print(sorted(n for n in sys.modules if n.partition(".")[0] == "pkg"))'].join('\n'),
    );
    expect(out).toBe("['pkg', 'pkg.base', 'pkg.late', 'pkg.used', 'pkg.user']");
  });
});

describe('berth-preload: import records', () => {
  it('records, per process, every own module it imports, and in a forked child what it inherited too', () => {
    const records = mkdtempSync(join(tmpdir(), 'berth-records-'));
    // Loaded as a module with BERTH_RECORD_PACKAGES set, as uwsgi's master loads it: recording starts at once.
    const out = python(
      [
        'import pkg.user, json',
        'child = os.fork()',
        'if child == 0:',
        '    import pkg.late',
        '    os._exit(0)',
        'os.waitpid(child, 0)',
        'read = lambda pid: sorted(open(os.path.join(bp.RECORD_DIR, str(pid))).read().split())',
        'print(json.dumps([read(os.getpid()), read(child)]))',
      ].join('\n'),
      { BERTH_RECORD_PACKAGES: 'pkg', BERTH_RECORD_DIR: records },
    );
    expect(JSON.parse(out)).toEqual([
      ['pkg', 'pkg.used', 'pkg.user'],
      ['pkg', 'pkg.late', 'pkg.used', 'pkg.user'],
    ]);
  });
});
