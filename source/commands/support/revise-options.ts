import { InvalidArgumentError } from 'commander';
import type { RevisionComment } from '../../core/events.js';

// `fleet revise ID -m TEXT [--at FILE:LINE] -m TEXT …`: each --at places the -m before it, so the
// options are read in the order written (commander calls each parser in argv order).

export type CommentList = RevisionComment[];

export function commentOption(list: CommentList) {
  return (text: string): string => {
    if (text.trim() === '') throw new InvalidArgumentError('a comment needs some text');
    list.push({ text });
    return text;
  };
}

export function locationOption(list: CommentList) {
  return (value: string): string => {
    const last = list.at(-1);
    if (!last) throw new InvalidArgumentError('--at places the comment before it: write -m TEXT first');
    if (last.path !== undefined) throw new InvalidArgumentError('one --at per comment: write another -m TEXT first');
    const match = /^(.+):([1-9][0-9]*)$/.exec(value);
    if (!match) throw new InvalidArgumentError('expected FILE:LINE, e.g. src/app.ts:12');
    last.path = match[1]!;
    last.line = Number(match[2]);
    return value;
  };
}
