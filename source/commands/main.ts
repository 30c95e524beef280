import { Command } from 'commander';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('fleet').description('Run many AI coding agents in parallel, safely.');
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  return 0;
}
