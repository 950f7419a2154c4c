import { render, useApp, useInput, useStdout } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { DevControl } from '../../lib/dev/dev-loop.js';
import type { EventBus } from '../../lib/events/bus.js';
import { cycleLog, initialDeployView, reduceDeploy, type DeployView, type Endpoint } from './deploy-view.js';
import { DeployScreen } from './DeployScreen.js';
import { initialDevView, reduceDev, select, type DevView } from './dev-view.js';
import { DevScreen, type DevMode } from './DevScreen.js';
import { ThrottledStore } from './store.js';

function useTerminalSize(): { width: number; height: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ width: stdout.columns || 80, height: stdout.rows || 24 });
  useEffect(() => {
    const onResize = () => {
      // A narrower terminal reflows the previous frame onto more rows than Ink erases: clear it all.
      stdout.write('\x1b[2J\x1b[3J\x1b[H');
      setSize({ width: stdout.columns || 80, height: stdout.rows || 24 });
    };
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function DeployApp({
  store,
  endpoints,
  credentials,
  onCancel,
}: {
  store: ThrottledStore<DeployView>;
  endpoints: Endpoint[];
  credentials?: string;
  onCancel: () => void;
}) {
  const view = useSyncExternalStore(store.subscribe, store.get);
  const { width, height } = useTerminalSize();
  const now = useNow(view.phase === 'running' || view.phase === 'starting' || view.phase === 'cancelling');
  useInput((input, key) => {
    if (key.leftArrow) store.update((v) => cycleLog(v, -1), { now: true });
    if (key.rightArrow) store.update((v) => cycleLog(v, 1), { now: true });
    if (key.ctrl && input === 'c') {
      store.update((v) => ({ ...v, phase: 'cancelling' }), { now: true });
      onCancel();
    }
  });
  return (
    <DeployScreen view={view} now={now} width={width} height={height} endpoints={endpoints} credentials={credentials} />
  );
}

/** Renders the deploy screen from the bus's events until `finish` is called. */
export function startDeployTui(
  bus: EventBus,
  meta: { profile: string; project: string },
  extras: { endpoints: Endpoint[]; credentials?: string; onCancel: () => void },
) {
  const store = new ThrottledStore(initialDeployView(meta));
  const unsubscribe = bus.subscribe((e) =>
    store.update((v) => reduceDeploy(v, e), { now: e.type === 'deploy.done' || e.type === 'deploy.failed' }),
  );
  const app = render(<DeployApp store={store} {...extras} />, { exitOnCtrlC: false, maxFps: 10, patchConsole: false });
  return {
    async finish() {
      store.flush();
      unsubscribe();
      await new Promise((r) => setTimeout(r, 50));
      app.unmount();
      await app.waitUntilExit();
    },
  };
}

function DevApp({
  store,
  control,
  onQuit,
}: {
  store: ThrottledStore<DevView>;
  control: () => DevControl | undefined;
  onQuit: () => void;
}) {
  const view = useSyncExternalStore(store.subscribe, store.get);
  const { width, height } = useTerminalSize();
  const [mode, setMode] = useState<DevMode>('main');
  const [logLines, setLogLines] = useState<string[]>([]);
  const { exit } = useApp();
  const selected = view.rows[view.selected]?.name;
  useInput((input, key) => {
    if (mode !== 'main') {
      if (key.escape || input === '?' || input === 'q') setMode('main');
      return;
    }
    if (key.upArrow) store.update((v) => select(v, -1), { now: true });
    else if (key.downArrow) store.update((v) => select(v, 1), { now: true });
    else if (input === 'r' && selected) control()?.restart(selected);
    else if (input === 'b' && selected) control()?.rebuild(selected);
    else if (input === 'p') control()?.setPaused(!view.paused);
    else if (input === '?') setMode('help');
    else if (input === 'l' && selected) {
      void control()
        ?.logs(selected, 200)
        .then((lines) => {
          setLogLines(lines);
          setMode('logs');
        });
    } else if (input === 'q' || (key.ctrl && input === 'c')) {
      store.update((v) => ({ ...v, phase: 'stopping', notice: 'stopping: the environment keeps running' }), {
        now: true,
      });
      onQuit();
      exit();
    }
  });
  return <DevScreen view={view} width={width} height={height} mode={mode} logLines={logLines} />;
}

/** The project name arrives with the first deploy.start event; the screen needs nothing loaded for it. */
export function startDevTui(bus: EventBus, onQuit: () => void) {
  const store = new ThrottledStore(initialDevView(''));
  let control: DevControl | undefined;
  const unsubscribe = bus.subscribe((e) => store.update((v) => reduceDev(v, e)));
  const app = render(<DevApp store={store} control={() => control} onQuit={onQuit} />, {
    exitOnCtrlC: false,
    maxFps: 10,
    patchConsole: false,
  });
  return {
    setControl: (c: DevControl) => (control = c),
    async finish() {
      unsubscribe();
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
