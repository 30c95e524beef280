// Bootstrap: import this module before anything that imports ink (chalk decides its colour level
// once, when it is first evaluated). chalk honours FORCE_COLOR but ignores NO_COLOR
// (docs/ui.md#terminal-facts), so NO_COLOR (set and not empty, per no-color.org) becomes FORCE_COLOR=0.
// Side effect on purpose: `import './ui/no-color.js'` must be the first import of cli.tsx.

if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';

/** Whether the UI may colour text; when not, agent output is shown without its SGR colours too. */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR && env.FORCE_COLOR !== '0';
}
