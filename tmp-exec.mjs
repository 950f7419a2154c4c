import { DockerRuntime } from './dist/lib/runtime/docker/docker-runtime.js';
const r = new DockerRuntime();
const id = 'undercloud-minimal-keystone';
for (let i = 0; i < 12; i++) {
  const t = performance.now();
  const x = await r.exec(id, ['true']);
  const t2 = performance.now();
  console.log('exec true', (t2 - t).toFixed(0), 'ms', x.exitCode);
  await new Promise((res) => setTimeout(res, 300));
}
