/** Removes SGR colour sequences: the only escapes sanitized output still carries. */
export function stripSgr(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;:]*m/g, '');
}
