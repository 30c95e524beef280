// docs/design.md#performance-bars "UI under load": 16 agents each writing 1,000 lines/s → fleet ≤ 30% of one core,
// ≤ 150 MB RSS per process, key-to-screen p95 ≤ 100 ms, terminal bytes/s bounded. Held with
// margin (issue 9): ≤ 25% of a core and key p95 ≤ 60 ms; those are the bars checked here.
// Each run appends a dated row to the history table in bench/RESULTS.md (UI_RESULTS=0: not).
//
// The real binary in a real terminal: `fleet run` in a tmux pane (CI unset) starts the engine as a
// background process (`run --daemon`) and becomes the UI client of its socket. Both processes are
// measured. The agents are bench/agents/spam.mjs (116-byte lines, 80 visible characters, 7 SGR
// sequences, like the ccmanager anchor in bench/RESULTS.md), all started at once.
//
// Phases, per terminal size (the first size is the anchor's 120×40, the others via resize-window):
//   watch: nothing typed; CPU (utime+stime from /proc/<pid>/stat), RSS, terminal bytes/s and
//          frames/s (`pipe-pane -O`, frames counted by Ink's DEC 2026 begin-sync marker).
//   keys:  j/k alternately through one long-lived tmux control-mode client (class Control):
//          send-keys, then a capture-pane after each %output of fleet's pane until the `›`
//          selection marker is on the other task: key-to-screen latency (probeKeys). The probe
//          costs CPU of its own, so CPU figures come from the watch phase.
//   floor: the same probe against bench/agents/key-echo.mjs, which redraws the marker at once:
//          what tmux, the control client and the machine add. Before the idle phase, and under
//          the flood right after the first size's keys. Reported next to the figures, never
//          subtracted from them.
// Before `go`, an idle phase (5 s watch, 5 s keys) measures the 16 started-but-silent agents.
//
// env: UI_AGENTS (16), UI_RATE (1000 lines/s per agent), UI_SECONDS (20: each phase at the first
// size), UI_SIZES ("120x40,80x24,200x50"), UI_EXTRA_SECONDS (10: each phase at the other sizes),
// UI_PROFILE (a directory: CPU profiles of both processes, for diagnosis), UI_PANE_ENV (extra
// NAME=value pairs for fleet's environment, for what-if runs), UI_DEBUG (keep the temp dir).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, machine, quantile, sleep, tempRepo } from './lib.mjs';

const SPAM = new URL('./agents/spam.mjs', import.meta.url).pathname;
const KEY_ECHO = new URL('./agents/key-echo.mjs', import.meta.url).pathname;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const SAMPLE_MS = 500;
const SYNC_BEGIN = Buffer.from('\x1b[?2026h');
const BARS = { cpu: 25, p95: 60, rssMB: 150 };
const RESULTS = new URL('./RESULTS.md', import.meta.url).pathname;
const HISTORY = '<!-- ui-load history: bench/ui-load.mjs appends a row here -->';

/** utime+stime in ticks and VmRSS/VmHWM in kB of one process (all its threads); undefined once gone. */
function proc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { ticks: Number(f[11]) + Number(f[12]), rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The engine started by this benchmark's `fleet run`: its cmdline names our fleet file. */
function findDaemon(fleetFile) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('--daemon') && argv.includes(fleetFile)) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

class Tmux {
  constructor(server) {
    this.server = server;
  }
  run(...args) {
    const r = spawnSync('tmux', ['-L', this.server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.trim()}`);
    return r.stdout;
  }
  screen() {
    return this.run('capture-pane', '-p', '-t', 'main');
  }
  /** Where the server's socket is, to remove it after kill-server (tmux leaves it behind). */
  rememberSocket() {
    this.socket = this.run('display-message', '-p', '#{socket_path}').trim();
  }
  kill() {
    spawnSync('tmux', ['-L', this.server, 'kill-server'], { stdio: 'ignore' });
    if (this.socket) rmSync(this.socket, { force: true });
  }
}

/** The task id on the row with the selection marker. */
function selectedTask(screen) {
  for (const line of screen.split('\n')) if (line.startsWith('›')) return /t\d\d/.exec(line.slice(0, 40))?.[0];
  return undefined;
}

/** Samples the processes every 500 ms; summarises a phase between mark() and stop(). */
class Sampler {
  constructor(pids, paneLog) {
    this.pids = pids;
    this.paneLog = paneLog;
  }
  snap() {
    const s = { t: performance.now(), bytes: existsSync(this.paneLog) ? statSync(this.paneLog).size : 0 };
    for (const [name, pid] of Object.entries(this.pids)) {
      if (Array.isArray(pid)) {
        const all = pid.map(proc).filter(Boolean);
        s[name] = { ticks: all.reduce((n, p) => n + p.ticks, 0), rss: all.reduce((n, p) => n + p.rss, 0), hwm: 0 };
      } else s[name] = proc(pid);
    }
    return s;
  }
  start() {
    this.snaps = [this.snap()];
    this.timer = setInterval(() => this.snaps.push(this.snap()), SAMPLE_MS);
  }
  stop() {
    clearInterval(this.timer);
    this.snaps.push(this.snap());
    const snaps = this.snaps;
    const first = snaps[0];
    const last = snaps.at(-1);
    const seconds = (last.t - first.t) / 1000;
    const cpu = (name, a, b) => (a[name] && b[name] ? ((b[name].ticks - a[name].ticks) / CLK_TCK / ((b.t - a.t) / 1000)) * 100 : NaN);
    const windows = snaps.slice(1).map((s, i) => [snaps[i], s]);
    const out = { seconds: round(seconds, 1) };
    for (const name of Object.keys(this.pids)) {
      out[name] = {
        cpuAvg: round(cpu(name, first, last), 1),
        cpuSeconds: first[name] && last[name] ? round((last[name].ticks - first[name].ticks) / CLK_TCK, 2) : null,
        cpuMax: round(Math.max(...windows.map(([a, b]) => cpu(name, a, b))), 1),
        rssMB: [mb(first[name]?.rss), mb(Math.max(...snaps.map((s) => s[name]?.rss ?? 0))), mb(last[name]?.rss)],
        ...(last[name]?.hwm ? { hwmMB: mb(last[name].hwm) } : {}),
      };
    }
    out.fleetCpuAvg = round(out.ui.cpuAvg + out.engine.cpuAvg, 1);
    out.fleetCpuMax = round(Math.max(...windows.map(([a, b]) => cpu('ui', a, b) + cpu('engine', a, b))), 1);
    out.bytesPerSec = Math.round((last.bytes - first.bytes) / seconds);
    out.bytesPerSecMax = Math.round(Math.max(...windows.map(([a, b]) => (b.bytes - a.bytes) / ((b.t - a.t) / 1000))));
    const frames = countFrames(this.paneLog, first.bytes, last.bytes);
    out.framesPerSec = round(frames / seconds, 1);
    out.bytesPerFrame = frames ? Math.round((last.bytes - first.bytes) / frames) : 0;
    return out;
  }
}

function countFrames(file, from, to) {
  if (to <= from) return 0;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(to - from);
  readSync(fd, buf, 0, buf.length, from);
  closeSync(fd);
  let n = 0;
  for (let i = buf.indexOf(SYNC_BEGIN); i >= 0; i = buf.indexOf(SYNC_BEGIN, i + 1)) n++;
  return n;
}

const round = (x, d = 0) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const mb = (kb) => (kb ? Math.round(kb / 1024) : null);

/**
 * One long-lived tmux client in control mode (`tmux -C attach`) for the key probe: a command is a
 * line on its stdin and its reply the next %begin…%end block on its stdout, so a sample costs a
 * round trip on an open connection instead of a tmux client started per call (~12 ms each on the
 * 2-core VM). tmux also sends `%output %<pane> …` as it reads what a pane's program wrote; the
 * arrival time of each is kept per pane. `ignore-size`: the client never resizes the window.
 * Its output stays on throughout: tmux 3.3a can hold back the reply to `refresh-client -f
 * no-output` sent while pane output is queued (the probe hung on it), and what it costs tmux
 * to copy fleet's frames (~40 KB/s) to one more client shows in the tmux server's CPU.
 */
class Control {
  constructor(tmux, session) {
    this.child = spawn('tmux', ['-L', tmux.server, '-f', '/dev/null', '-C', 'attach', '-f', 'ignore-size', '-t', session], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.replies = []; // resolvers, in the order the commands were written
    this.block = undefined;
    this.partial = '';
    this.outputAt = new Map(); // pane id → performance.now() when its latest %output arrived
    this.watchers = new Set();
    // latin1 keeps bytes as they are: a reply is decoded as UTF-8 once whole; %output needs only its pane id.
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (chunk) => this.read(chunk, performance.now()));
    this.closed = new Promise((resolve) => this.child.on('close', resolve));
  }
  read(chunk, t) {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop();
    for (const line of lines) {
      if (this.block) {
        const [tag, , number] = line.split(' ', 3);
        if ((tag === '%end' || tag === '%error') && number === this.block.number) {
          const { mine, body } = this.block;
          this.block = undefined;
          // Blocks with flags 0 answer commands we did not write (the attach itself).
          if (mine) this.replies.shift()({ t, error: tag === '%error', text: Buffer.from(body.join('\n'), 'latin1').toString('utf8'), outputAt: new Map(this.outputAt) });
        } else this.block.body.push(line);
      } else if (line.startsWith('%begin ')) {
        const [, , number, flags] = line.split(' ');
        this.block = { number, mine: flags === '1', body: [] };
      } else if (line.startsWith('%output ')) {
        const pane = line.slice(8, line.indexOf(' ', 8));
        this.outputAt.set(pane, t);
        for (const watcher of this.watchers) watcher(pane);
      }
    }
  }
  /** Writes one command; resolves with its reply when its block has arrived. */
  command(line) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tmux control client: no reply to "${line}" in 10 s`)), 10_000);
      this.replies.push((reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`tmux ${line}: ${reply.text}`));
        else resolve(reply);
      });
      this.child.stdin.write(`${line}\n`);
    });
  }
  /** Resolves true at the next %output of the pane, false after ms without one. */
  nextOutput(pane, ms) {
    return new Promise((resolve) => {
      const done = (value) => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve(value);
      };
      const watcher = (p) => p === pane && done(true);
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      this.watchers.add(watcher);
    });
  }
  close() {
    this.child.stdin.end();
    return this.closed;
  }
}

/**
 * j/k alternately between the first two tasks of the pane's list, through the control client.
 * After send-keys, each %output of the pane is followed by a capture-pane (never a blind poll);
 * the first capture that shows the `›` marker on the other task ends the sample. tmux parses
 * what it read before it answers a later command, so that capture holds every byte that had
 * arrived when it was asked. `arrived`: from writing send-keys to the last %output of the pane
 * that came before that capture's reply, an upper bound on when the moved marker reached tmux,
 * i.e. the screen (key-to-screen, the figure held against the bar); `confirmed`: to the reply
 * itself (one more round trip).
 */
async function probeKeys(ctl, pane, ids, ms) {
  const arrived = [];
  const confirmed = [];
  let timeouts = 0;
  const capture = () => ctl.command(`capture-pane -p -t ${pane}`);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const current = selectedTask((await capture()).text);
    const [key, want] = current === ids[0] ? ['j', ids[1]] : ['k', ids[0]];
    const t0 = performance.now();
    // Awaited after the sample: the key is in the pane's input once tmux has read this line,
    // before its reply; a failure still ends the run through the caller's cleanup.
    const sent = ctl.command(`send-keys -t ${pane} ${key}`);
    let seen;
    let looked = ctl.outputAt.get(pane); // output up to here is in a capture already asked for
    while (performance.now() - t0 < 2000) {
      if (ctl.outputAt.get(pane) === looked && !(await ctl.nextOutput(pane, t0 + 2000 - performance.now()))) break;
      looked = ctl.outputAt.get(pane);
      const reply = await capture();
      if (selectedTask(reply.text) === want) {
        seen = reply;
        break;
      }
    }
    await sent;
    if (seen === undefined) timeouts++;
    else {
      arrived.push(seen.outputAt.get(pane) - t0);
      confirmed.push(seen.t - t0);
    }
    await sleep(100 + Math.random() * 150); // no key bursts
  }
  arrived.sort((a, b) => a - b);
  confirmed.sort((a, b) => a - b);
  return {
    samples: arrived.length,
    timeouts,
    p50: round(quantile(arrived, 0.5), 1),
    p95: round(quantile(arrived, 0.95), 1),
    max: round(arrived.at(-1), 1),
    confirmedP50: round(quantile(confirmed, 0.5), 1),
    confirmedP95: round(quantile(confirmed, 0.95), 1),
  };
}

async function waitFor(what, timeoutMs, label) {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(100)) if (what()) return;
  throw new Error(`timed out waiting for ${label}`);
}

const log = (line) => process.stderr.write(`ui-load: ${line}\n`);

export async function uiLoad(opts = {}) {
  const agents = opts.agents ?? Number(process.env.UI_AGENTS ?? 16);
  const rate = opts.rate ?? Number(process.env.UI_RATE ?? 1000);
  const seconds = opts.seconds ?? Number(process.env.UI_SECONDS ?? 20);
  const extraSeconds = opts.extraSeconds ?? Number(process.env.UI_EXTRA_SECONDS ?? 10);
  const sizes = (opts.sizes ?? process.env.UI_SIZES ?? '120x40,80x24,200x50').split(',').map((s) => s.split('x').map(Number));
  if (spawnSync('tmux', ['-V']).status !== 0) return { skipped: 'tmux is not installed' };

  const r = tempRepo();
  const ctl = join(r.root, 'ctl');
  const stateHome = join(r.root, 'state');
  mkdirSync(ctl);
  mkdirSync(stateHome);
  const ids = Array.from({ length: agents }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  const fleetFile = join(r.dir, 'fleet.yaml');
  const maxSeconds = 5 + 2 * seconds + (sizes.length - 1) * (2 * extraSeconds + 3) + 60; // a cap if we die
  writeFileSync(
    fleetFile,
    `version: 1\nconcurrency: ${agents}\ndefaults: { retries: 0 }\ntasks:\n${ids.map((id) => `  - { id: ${id}, run: "node ${SPAM} ${ctl} ${id} ${rate} ${maxSeconds}" }`).join('\n')}\n`,
  );
  writeFileSync(join(r.dir, '.git', 'info', 'exclude'), 'fleet.yaml\n');
  const paneLog = join(r.root, 'pane.log');
  const tmux = new Tmux(`fleet-bench-ui-${process.pid}`);
  const [cols0, rows0] = sizes[0];
  const env = ['env', '-u', 'CI', 'TERM=xterm-256color', `XDG_STATE_HOME=${stateHome}`];
  // Diagnosis only: UI_PROFILE=<dir> profiles both processes during the first watch phase.
  const profile = process.env.UI_PROFILE;
  // What-if runs without touching the source: extra environment for the pane (and so the engine).
  for (const pair of (process.env.UI_PANE_ENV ?? '').split(' ').filter(Boolean)) env.push(pair);
  if (profile) env.push(`NODE_OPTIONS=--import=${new URL('./profile-hook.mjs', import.meta.url).pathname}`, `FLEET_BENCH_PROFILE=${profile}`);
  const started = Date.now();
  let daemon;
  let agentPids = [];
  let going = false;
  let control;
  try {
    tmux.run('new-session', '-d', '-s', 'main', '-x', String(cols0), '-y', String(rows0), '-c', r.dir, `exec ${env.join(' ')} node ${CLI} run`);
    tmux.rememberSocket();
    const ui = Number(tmux.run('display-message', '-p', '-t', 'main', '#{pane_pid}').trim());
    const tmuxServer = Number(tmux.run('display-message', '-p', '-t', 'main', '#{pid}').trim());
    const fleetPane = tmux.run('display-message', '-p', '-t', 'main', '#{pane_id}').trim();
    // The instrument's floor: the same probe against a program that redraws at once (bench/agents/key-echo.mjs).
    const echoPane = tmux.run('new-window', '-d', '-P', '-F', '#{pane_id}', '-t', 'main:', '-n', 'floor', `exec node ${KEY_ECHO}`).trim();
    tmux.run('resize-window', '-t', echoPane, '-x', String(cols0), '-y', String(rows0));
    control = new Control(tmux, 'main');
    await waitFor(() => readdirSync(ctl).filter((f) => f.startsWith('ready-')).length === agents, 60_000, 'all agents to start');
    await waitFor(() => tmux.screen().includes(`${agents}/${agents} running`), 20_000, 'the UI to show every agent running');
    daemon = findDaemon(fleetFile);
    if (!daemon) throw new Error('no engine daemon found');
    agentPids = ids.map((id) => Number(readFileSync(join(ctl, `ready-${id}`), 'utf8')));
    if (!readFileSync(`/proc/${ui}/cmdline`, 'utf8').includes('cli.js')) throw new Error(`pane pid ${ui} is not fleet`);
    tmux.run('pipe-pane', '-O', '-t', 'main', `cat >> ${paneLog}`);
    const sampler = new Sampler({ ui, engine: daemon, tmux: tmuxServer, agents: agentPids }, paneLog);

    const phase = async (ms, keys, pane = fleetPane) => {
      if (profile && !keys && going) writeFileSync(join(profile, 'start'), '');
      sampler.start();
      const latency = keys ? await probeKeys(control, pane, ids, ms) : (await sleep(ms), undefined);
      const summary = sampler.stop();
      if (profile && !keys && going) writeFileSync(join(profile, 'stop'), '');
      return { ...summary, ...(latency ? { latency } : {}) };
    };

    const floor = { idle: (await phase(5000, true, echoPane)).latency };
    const idle = { watch: await phase(5000, false), keys: await phase(5000, true) };
    writeFileSync(join(ctl, 'go'), '');
    going = true;
    await sleep(3000);
    const results = [];
    for (const [i, [cols, rows]] of sizes.entries()) {
      if (i > 0) {
        tmux.run('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows));
        await sleep(2000);
      }
      const ms = (i === 0 ? seconds : extraSeconds) * 1000;
      log(`${cols}x${rows}: watch ${ms / 1000} s, then keys ${ms / 1000} s`);
      results.push({ size: `${cols}x${rows}`, watch: await phase(ms, false), keys: await phase(ms, true) });
      // The floor under the same flood, right after the first size's keys: what the machine and tmux add.
      if (i === 0) floor.flood = (await phase(Math.min(ms, 10_000), true, echoPane)).latency;
    }
    const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

    // Teardown: agents stop, the run merges all 16, q quits the UI, the engine exits by itself.
    const problems = [];
    const attempt = async (what, label, ms) => {
      try {
        await waitFor(what, ms, label);
        return true;
      } catch (error) {
        problems.push(error.message);
        log(`${error.message}; ctl: ${readdirSync(ctl).join(' ')}\n${tmux.screen()}`);
        return false;
      }
    };
    log('stopping the agents');
    writeFileSync(join(ctl, 'quit'), '');
    await attempt(() => readdirSync(ctl).filter((f) => f.startsWith('stats-')).length === agents, 'the agents to stop', 30_000);
    const delivered = ids.filter((id) => existsSync(join(ctl, `stats-${id}.json`))).map((id) => JSON.parse(readFileSync(join(ctl, `stats-${id}.json`), 'utf8')));
    if (await attempt(() => tmux.screen().includes(`${agents} merged`), 'every task to merge', 60_000)) {
      tmux.run('send-keys', '-t', 'main', 'q');
      await attempt(() => !alive(ui) && !alive(daemon), 'fleet to exit', 20_000);
    }
    const merged = r.git('log', '--first-parent', '--format=%s', 'main').split('\n').filter((s) => s.startsWith('Merge fleet task')).length;

    const first = results[0];
    for (const s of results) {
      if (s.watch.fleetCpuAvg > BARS.cpu) problems.push(`${s.size}: fleet CPU ${s.watch.fleetCpuAvg}% > ${BARS.cpu}% (UI ${s.watch.ui.cpuAvg}%, engine ${s.watch.engine.cpuAvg}%)`);
      if (s.keys.latency.p95 > BARS.p95) problems.push(`${s.size}: key-to-screen p95 ${s.keys.latency.p95} ms > ${BARS.p95} ms`);
      if (s.keys.latency.timeouts > 0) problems.push(`${s.size}: ${s.keys.latency.timeouts} keys never showed within 2 s`);
      if (s.watch.framesPerSec > 16) problems.push(`${s.size}: ${s.watch.framesPerSec} frames/s > maxFps 15`);
    }
    const last = results.at(-1);
    for (const name of ['ui', 'engine']) {
      const hwm = last.keys[name].hwmMB;
      if (hwm > BARS.rssMB) problems.push(`${name} peak RSS ${hwm} MB > ${BARS.rssMB} MB`);
    }
    if (merged !== agents) problems.push(`${merged} of ${agents} tasks merged`);
    return {
      agents,
      linesPerSecondEach: rate,
      agentOutputBytesPerSec: Math.round(agents * rate * 116),
      delivered: {
        linesPerSecMin: Math.round(Math.min(...delivered.map((d) => d.lines / d.seconds))),
        worstLagMs: Math.max(...delivered.map((d) => d.worstLagMs)),
      },
      floor,
      idle,
      sizes: results,
      peakRssMB: { ui: last.keys.ui.hwmMB, engine: last.keys.engine.hwmMB },
      headline: {
        size: first.size,
        fleetCpu: first.watch.fleetCpuAvg,
        uiCpu: first.watch.ui.cpuAvg,
        engineCpu: first.watch.engine.cpuAvg,
        cpuSeconds: round(first.watch.ui.cpuSeconds + first.watch.engine.cpuSeconds, 2),
        watchSeconds: first.watch.seconds,
        keyP50: first.keys.latency.p50,
        keyP95: first.keys.latency.p95,
        floorP50: floor.flood.p50,
        floorP95: floor.flood.p95,
        bytesPerSec: first.watch.bytesPerSec,
      },
      loadavg,
      seconds: Math.round((Date.now() - started) / 1000),
      problems,
    };
  } finally {
    control?.child.stdin.end();
    tmux.kill();
    writeFileSync(join(ctl, 'quit'), '');
    // Whatever got started, even when a step above failed: the engine and every agent.
    daemon ??= findDaemon(fleetFile);
    agentPids = readdirSync(ctl).filter((f) => f.startsWith('ready-')).map((f) => Number(readFileSync(join(ctl, f), 'utf8')));
    for (const pid of [daemon, ...agentPids]) {
      if (pid && alive(pid)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone
        }
      }
    }
    if (daemon) await waitFor(() => !alive(daemon), 10_000, 'the engine to stop').catch(() => process.kill(daemon, 'SIGKILL'));
    if (process.env.UI_DEBUG) log(`kept ${r.root}`);
    else rmSync(r.root, { recursive: true, force: true });
  }
}

/** Which build ran: the commit of the checkout FLEET_CLI (or this one) was built from. */
function buildLabel() {
  const dir = new URL('..', `file://${CLI}`).pathname;
  const git = (...args) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).stdout.trim();
  const commit = git('rev-parse', '--short', 'HEAD') || '?';
  return git('status', '--porcelain', '--untracked-files=no', '--', 'source') ? `${commit}+changes` : commit;
}

/** One row per run in the history table of RESULTS.md, so a regression shows as a trend. */
function appendHistory(result) {
  const h = result.headline;
  const s = result.sizes[0];
  const row = [
    new Date().toISOString().slice(0, 16).replace('T', ' '),
    buildLabel(),
    h.size,
    `**${h.fleetCpu}%** (UI ${h.uiCpu} + engine ${h.engineCpu})`,
    `${h.cpuSeconds} s / ${h.watchSeconds} s`,
    `${h.keyP50} / **${h.keyP95}** ms (${s.keys.latency.samples}; floor ${h.floorP50} / ${h.floorP95})`,
    `${result.peakRssMB.ui} / **${result.peakRssMB.engine}** MB`,
    result.loadavg,
    result.problems.length ? `✗ ${result.problems.length}` : '✓',
  ];
  const text = readFileSync(RESULTS, 'utf8');
  if (!text.includes(HISTORY)) return log(`no history table in ${RESULTS}; row: | ${row.join(' | ')} |`);
  const at = text.indexOf(HISTORY);
  const end = text.indexOf('\n\n', at);
  const cut = end < 0 ? text.trimEnd().length : end;
  writeFileSync(RESULTS, `${text.slice(0, cut)}\n| ${row.join(' | ')} |${text.slice(cut)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await uiLoad();
  console.log(JSON.stringify(result, null, 1));
  if (!result.skipped && process.env.UI_RESULTS !== '0') appendHistory(result);
  log(machine());
  process.exitCode = result.problems?.length ? 1 : 0;
}
