import { describe, expect, it } from 'vitest';
import { criticalPath, findCycle, topoOrder, waves } from '../../source/core/dag.js';

const n = (key: string, ...dependsOn: string[]) => ({ key, dependsOn });

describe('dag', () => {
  it('orders dependencies before dependents and keeps file order among equals', () => {
    const nodes = [n('docs', 'api'), n('schema'), n('api', 'schema'), n('ui')];
    expect(topoOrder(nodes)).toEqual(['schema', 'ui', 'api', 'docs']);
  });

  it('finds a cycle and names it from start to start', () => {
    const nodes = [n('a', 'c'), n('b', 'a'), n('c', 'b'), n('d')];
    const cycle = findCycle(nodes)!;
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
    expect(() => topoOrder(nodes)).toThrow(/cycle/);
  });

  it('reports no cycle for a diamond', () => {
    expect(findCycle([n('a'), n('b', 'a'), n('c', 'a'), n('d', 'b', 'c')])).toBeUndefined();
  });

  it('groups tasks into waves by their longest chain', () => {
    const nodes = [n('a'), n('b', 'a'), n('c'), n('d', 'b', 'c')];
    expect(waves(nodes)).toEqual([['a', 'c'], ['b'], ['d']]);
  });

  it('picks the heaviest chain as the critical path', () => {
    const nodes = [n('a'), n('b', 'a'), n('c'), n('d', 'b', 'c')];
    expect(criticalPath(nodes)).toEqual(['a', 'b', 'd']);
    expect(criticalPath(nodes, (k) => (k === 'c' ? 10 : 1))).toEqual(['c', 'd']);
  });

  it('handles a 2000-long chain without deep recursion', () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => (i === 0 ? n('t0') : n(`t${i}`, `t${i - 1}`)));
    expect(findCycle(nodes)).toBeUndefined();
    expect(criticalPath(nodes)).toHaveLength(2000);
  });
});
