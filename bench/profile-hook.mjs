// Diagnosis helper for bench/ui-load.mjs (UI_PROFILE=<dir>): loaded into every node process of the
// run through NODE_OPTIONS=--import (the daemon inherits it; --cpu-prof is not allowed there).
// In fleet's own processes only, it starts the V8 CPU profiler when <dir>/start appears and writes
// <dir>/<role>-<pid>.cpuprofile when <dir>/stop appears (open them in Chrome DevTools), and logs
// process.memoryUsage() every 500 ms to <dir>/<role>-<pid>.memory.jsonl.
import { Session } from 'node:inspector';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FLEET_BENCH_PROFILE;
if (dir && process.argv[1]?.endsWith('/cli.js')) {
  const role = process.argv.includes('--daemon') ? 'engine' : 'ui';
  const session = new Session();
  session.connect();
  let state = 'waiting';
  const timer = setInterval(() => {
    if (state === 'waiting' && existsSync(join(dir, 'start'))) {
      state = 'profiling';
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
    } else if (state === 'profiling' && existsSync(join(dir, 'stop'))) {
      state = 'done';
      clearInterval(timer);
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(join(dir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
        session.disconnect();
      });
    }
  }, 100);
  timer.unref();
  // And memory as node sees it, every 500 ms: JS heap vs external buffers vs the rest of RSS.
  const memory = setInterval(() => {
    const m = process.memoryUsage();
    const mb = (x) => Math.round(x / 2 ** 20);
    appendFileSync(join(dir, `${role}-${process.pid}.memory.jsonl`), `${JSON.stringify({ t: Date.now(), rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), perfEntries: performance.getEntries().length })}\n`);
  }, 500);
  memory.unref();
}
