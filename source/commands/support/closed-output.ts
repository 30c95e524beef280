const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * A reader that goes away — `fleet run --json | head`, a pager the user quits, a log shipper that
 * restarts — must not stop a run: from the first EPIPE on, writes to that stream are dropped and
 * the run goes on, its journal complete (docs/decisions.md, "A closed output"). Any other write
 * error stays fatal, as before.
 */
export function dropWritesOnceClosed(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return; // main() runs once per command, and many times in the tests
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = (() => true) as typeof stream.write;
  });
}
