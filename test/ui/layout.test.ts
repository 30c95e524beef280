import { describe, expect, it } from 'vitest';
import { renderInterval } from '../../source/ui/hooks/use-fleet-view.js';
import { computeLayout, pageSize } from '../../source/ui/model/layout.js';

describe('layout', () => {
  it('at 80×24: a 28-column list, the rest for output, one line of merge queue, 23 rows in all', () => {
    const l = computeLayout(80, 24, 3);
    expect(l).toMatchObject({ height: 23, listWidth: 28, paneWidth: 51, queueHeight: 1, bodyHeight: 18, tooSmall: false });
    expect(l.listWidth + 1 + l.paneWidth).toBe(80);
    expect(l.bodyHeight + 1 + l.queueHeight + 3).toBe(l.height);
    expect(pageSize(l)).toBe(17);
  });

  it('at 250×70: about a third for the list, up to three lines of merge queue', () => {
    expect(computeLayout(250, 70, 3)).toMatchObject({ height: 69, listWidth: 72, paneWidth: 177, queueHeight: 3, bodyHeight: 62 });
    expect(computeLayout(250, 70, 1)).toMatchObject({ queueHeight: 1, bodyHeight: 64 });
  });

  it('below 40×10 the screen only says it is too small', () => {
    expect(computeLayout(39, 24, 1).tooSmall).toBe(true);
    expect(computeLayout(80, 9, 1).tooSmall).toBe(true);
    expect(computeLayout(40, 10, 1).tooSmall).toBe(false);
  });

  it('renders less often on very large terminals, where a frame costs more', () => {
    expect(renderInterval(80, 24)).toBe(100);
    expect(renderInterval(160, 50)).toBe(100);
    expect(renderInterval(250, 70)).toBe(219);
    expect(renderInterval(500, 200)).toBe(250);
  });
});
