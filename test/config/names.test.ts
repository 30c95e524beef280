import { describe, expect, it } from 'vitest';
import { TASK_ID_PATTERN } from '../../source/core/fleet.js';
import { branchProblem, envNameProblem, idProblem, relativePathProblem } from '../../source/config/names.js';

describe('ids', () => {
  it('explain why a hostile id is rejected', () => {
    expect(idProblem('')).toBe('is empty');
    expect(idProblem('a..b')).toMatch(/^contains "\.\."/);
    expect(idProblem('a/b')).toMatch(/^contains "\/"/);
    expect(idProblem('-rf')).toMatch(/^starts with "-"/);
    expect(idProblem('x.lock')).toMatch(/^ends with "\.lock"/);
    expect(idProblem('x.')).toMatch(/^ends with "\."/);
    expect(idProblem('a\u001bb')).toBe('contains the control character U+001B');
    expect(idProblem('a\u0085b')).toBe('contains the control character U+0085');
    expect(idProblem('Ab')).toMatch(/^contains upper case/);
    expect(idProblem('a'.repeat(64))).toMatch(/^is 64 characters long/);
    expect(idProblem('a b')).toBe('contains " "; allowed are a-z, 0-9, ".", "_" and "-"');
    expect(idProblem('é')).toBe('contains "é"; allowed are a-z, 0-9, ".", "_" and "-"');
    expect(idProblem('_a')).toBe('must start with a letter or digit');
    expect(idProblem('.a')).toBe('must start with a letter or digit');
  });

  it('accept exactly what TASK_ID_PATTERN accepts', () => {
    const samples = ['a', '0', 'add-users', 'api.v2', 'a_b', 'a'.repeat(63), 'a'.repeat(64), 'a..b', 'a.lock', 'a.'];
    samples.push('-a', 'A', 'a/b', 'a@{b', 'a:b', 'a~1', '', '.a', '_a', 'a\u0000');
    for (const id of samples) expect(idProblem(id) === undefined, id).toBe(TASK_ID_PATTERN.test(id));
  });
});

describe('other names', () => {
  it('check branch names like git does', () => {
    expect(branchProblem('main')).toBeUndefined();
    expect(branchProblem('release/2.x')).toBeUndefined();
    expect(branchProblem('-main')).toMatch(/^starts with "-"/);
    expect(branchProblem('a..b')).toBe('contains ".."');
    expect(branchProblem('a b')).toMatch(/^contains " "/);
    expect(branchProblem('a/')).toMatch(/empty path component/);
    expect(branchProblem('a/.b')).toMatch(/starting with "\."/);
    expect(branchProblem('a.lock')).toMatch(/ending with "\.lock"/);
    expect(branchProblem('a@{1}')).toBe('contains "@{"');
  });

  it('keep copy and link paths inside the repository', () => {
    expect(relativePathProblem('.env')).toBeUndefined();
    expect(relativePathProblem('config/local.json')).toBeUndefined();
    expect(relativePathProblem('/etc/passwd')).toMatch(/^is absolute/);
    expect(relativePathProblem('a/../../b')).toMatch(/^contains "\.\."/);
    expect(relativePathProblem('..')).toMatch(/^contains "\.\."/);
  });

  it('reserve FLEET_ variables and require real variable names', () => {
    expect(envNameProblem('MYBOT_MODE')).toBeUndefined();
    expect(envNameProblem('FLEET_TASK_ID')).toMatch(/reserves/);
    expect(envNameProblem('A=B')).toMatch(/not an environment variable name/);
    expect(envNameProblem('1A')).toMatch(/not an environment variable name/);
  });
});
