// The layout rules of docs/architecture.md, checked on the source tree: which folder may import
// which, no source file over 400 lines, no folder over 17 source files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCE = new URL('../source/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const FILES = sourceFiles(SOURCE);

/** The top folder of a path under source/ (`engine` for engine/queue/batch.ts). */
function layerOf(path: string): string {
  const rel = relative(SOURCE, path);
  return rel.includes('/') ? rel.split('/')[0]! : '(root)';
}

/** Every relative import of a file, as the top folder it lands in. */
function importedLayers(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  const layers = new Set<string>();
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    layers.add(layerOf(resolve(dirname(file), m[1]!)));
  }
  return layers;
}

const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['core'],
  config: ['config', 'core'],
  git: ['git', 'core'],
  agents: ['agents', 'core'],
  engine: ['engine', 'core', 'config', 'git', 'agents'],
  ui: ['ui', 'core'],
  commands: ['commands', 'core', 'config', 'engine', 'ui'],
};

describe('the layout of source/', () => {
  it('has the layers the rules name, and every file in one of them (besides the entry point)', () => {
    const layers = new Set(FILES.map(layerOf));
    expect([...layers].sort()).toEqual(['(root)', ...Object.keys(MAY_IMPORT)].sort());
  });

  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${layer}/ imports only ${allowed.join(', ')}`, () => {
      const offending = FILES.filter((f) => layerOf(f) === layer).flatMap((f) =>
        [...importedLayers(f)].filter((l) => !allowed.includes(l)).map((l) => `${relative(SOURCE, f)} → ${l}/`),
      );
      expect(offending).toEqual([]);
    });
  }

  it('has no source file over 400 lines', () => {
    const long = FILES.map((f) => [relative(SOURCE, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });

  it('has no folder with more than 17 source files', () => {
    const perFolder = new Map<string, number>();
    for (const f of FILES) perFolder.set(dirname(f), (perFolder.get(dirname(f)) ?? 0) + 1);
    const crowded = [...perFolder].filter(([, n]) => n > 17).map(([d, n]) => `${relative(SOURCE, d)}: ${n}`);
    expect(crowded).toEqual([]);
  });
});
