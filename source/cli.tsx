#!/usr/bin/env node
// First: NO_COLOR must turn colour off before ink (and its colour detection) is loaded.
import './ui/no-color.js';
import { main } from './commands/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Last resort: commands turn every expected failure into a sentence and an exit code.
    process.stderr.write(`fleet: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);
