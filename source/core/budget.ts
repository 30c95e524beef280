// Spend and caps (docs/config.md, "Budgets"). Spend is what the agents' own usage events report:
// tokens (input, cached included, plus output) live, USD where the CLI reports it. Pure.
import type { BudgetCap, FleetSpec, TaskSpec } from './fleet.js';
import type { RunState, TaskRecord } from './state.js';

export interface Spend {
  usd: number;
  tokens: number;
}

export const NO_SPEND: Spend = { usd: 0, tokens: 0 };

export function taskSpend(task: TaskRecord): Spend {
  return task.spend ?? NO_SPEND;
}

export function runSpend(state: RunState): Spend {
  let usd = 0;
  let tokens = 0;
  for (const key of state.order) {
    const s = taskSpend(state.tasks[key]!);
    usd += s.usd;
    tokens += s.tokens;
  }
  return { usd, tokens };
}

/** The run's cap in force: the last `fleet budget`, else the file's (as of the latest `run_started`). */
export function activeRunCap(state: RunState): BudgetCap | undefined {
  return state.budgetCap ?? state.runCap;
}

/** At or over either cap that is set. */
export function reached(spend: Spend, cap: BudgetCap | undefined): boolean {
  if (!cap) return false;
  return (cap.usd !== undefined && spend.usd >= cap.usd) || (cap.tokens !== undefined && spend.tokens >= cap.tokens);
}

/**
 * What one agent run's new totals add to the spend: the increase over the run's last totals.
 * A value the CLI did not report leaves its part unchanged (claude reports USD only at the end).
 */
export function addRunTotals(spend: Spend, last: Spend, totals: { tokens?: { input: number; output: number }; costUsd?: number }): { spend: Spend; last: Spend } {
  const tokens = totals.tokens ? totals.tokens.input + totals.tokens.output : last.tokens;
  const usd = totals.costUsd ?? last.usd;
  return {
    spend: { usd: spend.usd + Math.max(0, usd - last.usd), tokens: spend.tokens + Math.max(0, tokens - last.tokens) },
    last: { usd, tokens },
  };
}

/** "$0.42/$5.00 · 120k/1M tokens": the spend, against the cap where one is set. */
export function spendText(spend: Spend, cap?: BudgetCap): string {
  const usd = `$${spend.usd.toFixed(2)}${cap?.usd !== undefined ? `/$${cap.usd.toFixed(2)}` : ''}`;
  const tokens = `${formatTokens(spend.tokens)}${cap?.tokens !== undefined ? `/${formatTokens(cap.tokens)}` : ''} tokens`;
  return `${usd} · ${tokens}`;
}

/** "$5.00 · 1M tokens", or "no cap". */
export function capText(cap: BudgetCap): string {
  const parts = [cap.usd !== undefined && `$${cap.usd.toFixed(2)}`, cap.tokens !== undefined && `${formatTokens(cap.tokens)} tokens`].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'no cap';
}

/** A token count as people read it: 950, 12.4k, 5k, 1.2M. */
export function formatTokens(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Agent runs in the worst case: every candidate of every task uses every retry. */
export function worstCaseFanOut(spec: FleetSpec): number {
  return spec.tasks.reduce((n, t) => n + candidatesOf(t) * (1 + t.retries), 0);
}

/** The most the run can spend when every task has a cap (a task's cap covers all its attempts); else undefined. */
export function worstCaseSpend(spec: FleetSpec): Partial<Spend> {
  const sum = (part: keyof BudgetCap): number | undefined => {
    let total = 0;
    for (const t of spec.tasks) {
      const cap = t.budget?.[part];
      if (cap === undefined) return undefined;
      total += cap * candidatesOf(t);
    }
    return total;
  };
  const out: Partial<Spend> = {};
  const usd = sum('usd');
  const tokens = sum('tokens');
  if (usd !== undefined) out.usd = usd;
  if (tokens !== undefined) out.tokens = tokens;
  return out;
}

/** Best-of-N: every candidate may spend up to the task's cap. */
function candidatesOf(task: TaskSpec): number {
  return task.candidates?.count ?? 1;
}
