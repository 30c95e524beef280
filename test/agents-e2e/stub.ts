// Starts test/fixtures/stub-model/server.mjs as a child process and reads the port it prints.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const SERVER = new URL('../fixtures/stub-model/server.mjs', import.meta.url).pathname;

export interface StubModel {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The requests received so far (method, url, body), from its log. */
  requests(): { method: string; url: string; body: Record<string, unknown> }[];
  stop(): Promise<void>;
}

export async function startStubModel(logFile: string): Promise<StubModel> {
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, STUB_LOG: logFile }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`stub model exited early with ${code}`);
  });
  const firstLine = once(createInterface({ input: child.stdout }), 'line').then(([line]) => line as string);
  const port = Number(await Promise.race([firstLine, exited]));
  exited.catch(() => undefined); // from here on, exiting is expected
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill();
      await gone;
    },
  };
}
