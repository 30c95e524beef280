import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein, suggest } from '../../source/config/suggest.js';

describe('did you mean', () => {
  it('measures edit distance, and stops early past a limit', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('abcdefgh', 'zzzzzzzz', 2)).toBe(3);
  });

  it('suggests the closest known word for a typo', () => {
    expect(suggest('depend_on', ['depends_on', 'id', 'run'])).toBe('depends_on');
    expect(suggest('concurency', ['version', 'concurrency'])).toBe('concurrency');
    expect(suggest('Prompt', ['prompt', 'run'])).toBe('prompt');
  });

  it('maps words other tools use for the same idea', () => {
    expect(suggest('needs', ['depends_on', 'run'])).toBe('depends_on');
    expect(suggest('command', ['id', 'run'])).toBe('run');
    expect(suggest('constructor', ['id'])).toBeUndefined();
  });

  it('suggests nothing when no word is close, or the word is absurdly long', () => {
    expect(suggest('colour', ['depends_on', 'run', 'id'])).toBeUndefined();
    expect(suggest('x'.repeat(10_000), ['x'])).toBeUndefined();
    expect(didYouMean('shema', ['schema', 'api'])).toBe(' (did you mean "schema"?)');
    expect(didYouMean('zzz', ['schema'])).toBe('');
  });
});
