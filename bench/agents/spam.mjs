#!/usr/bin/env node
// Scripted agent for bench/ui-load.mjs: floods its output like a chatty agent, at a fixed rate.
// usage: spam.mjs CTL_DIR NAME [LINES_PER_SECOND=1000] [MAX_SECONDS=180]
//
// Waits for CTL_DIR/go, then writes RATE lines a second (10 ms ticks, absolute-time pacing, so a
// late tick catches up) until CTL_DIR/quit exists or MAX_SECONDS have passed. Each line is like
// the ccmanager anchor's (bench/RESULTS.md): 80 visible characters with 7 SGR colour
// sequences, 116 bytes with the newline. Then it writes CTL_DIR/stats-NAME.json (lines, seconds, worst lag
// behind schedule) and edits spam-NAME.txt in its worktree, so the task has a change to merge.
import { existsSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const [ctl, name, rateArg = '1000', maxArg = '180'] = process.argv.slice(2);
const rate = Number(rateArg);
const maxMs = Number(maxArg) * 1000;
const TICK_MS = 10;
const FILLER = 'the quick brown fox reads src/engine/merge-queue.ts and thinks about it ';

writeFileSync(join(ctl, `ready-${name}`), `${process.pid}\n`);
writeSync(1, `${name}: waiting for go\n`);

function line(n) {
  const now = new Date();
  const time = now.toISOString().slice(11, 23); // 12 chars
  const head = `${time} ${name} INFO line ${String(n).padStart(7, '0')} `; // visible so far
  const rest = FILLER.repeat(2).slice(0, 80 - head.length - 4);
  // 7 SGR sequences: dim time, cyan name, green level, reset, bold number, yellow tail, reset.
  return (
    `\x1b[2m${time} \x1b[0;36m${name} \x1b[32mINFO\x1b[0m line \x1b[1m${String(n).padStart(7, '0')} ` +
    `\x1b[0;33m${rest}\x1b[0m end\n`
  );
}

await new Promise((resolve) => {
  const wait = setInterval(() => {
    if (existsSync(join(ctl, 'go'))) {
      clearInterval(wait);
      resolve();
    }
  }, 20);
});

const start = performance.now();
let written = 0;
let worstLagMs = 0;
let ticks = 0;
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const now = performance.now();
    const elapsed = now - start;
    const due = Math.floor((Math.min(elapsed, maxMs) * rate) / 1000);
    if (due > written) {
      // How far behind schedule the oldest unwritten line is (a tick should come every 10 ms).
      worstLagMs = Math.max(worstLagMs, elapsed - (written * 1000) / rate - TICK_MS);
      let chunk = '';
      for (; written < due; written++) chunk += line(written);
      writeSync(1, chunk);
    }
    if (elapsed >= maxMs || (++ticks % 10 === 0 && existsSync(join(ctl, 'quit')))) {
      clearInterval(tick);
      resolve();
    }
  }, TICK_MS);
});
const seconds = (performance.now() - start) / 1000;
writeFileSync(join(ctl, `stats-${name}.json`), JSON.stringify({ name, lines: written, seconds, worstLagMs: Math.max(0, Math.round(worstLagMs)) }));
writeFileSync(`spam-${name}.txt`, `${written} lines\n`);
writeSync(1, `${name}: wrote ${written} lines in ${seconds.toFixed(1)} s\n`);
