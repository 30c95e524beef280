// Maps key paths (as zod and the resolver report them) and byte offsets (as the yaml parser
// reports them) back to `line:col` in the file, so every issue points at the node to fix.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Alias, LineCounter, Node, Pair } from 'yaml';
import { formatPath, type ConfigIssue, type DraftIssue, type PathSegment } from './issue.js';

interface Found {
  /** Deepest node reached along the path, and the pair that holds it when it is a map value. */
  node: Node | null;
  pair: Pair | undefined;
  complete: boolean;
}

export class Locator {
  constructor(
    readonly file: string,
    private readonly root: Node | null,
    private readonly lines: LineCounter,
    private readonly aliases: ReadonlyMap<Alias, Node>,
  ) {}

  issue(draft: DraftIssue): ConfigIssue {
    const { line, col } = this.position(draft.path, draft.at);
    return this.make(line, col, formatPath(draft.path), draft.message, draft.hint);
  }

  /** For problems found by offset (yaml syntax errors); the path is worked out from the tree. */
  issueAt(offset: number, message: string, hint?: string): ConfigIssue {
    const { line, col } = this.lines.linePos(offset);
    return this.make(line, col, formatPath(this.pathAt(offset)), message, hint);
  }

  /** For a duplicate key at `offset`: the line of the first key with the same name in that map. */
  firstLineOfKeyAt(offset: number): number | undefined {
    const path = this.pathAt(offset);
    return path.length === 0 ? undefined : this.line(path);
  }

  /** 1-based line of the node at `path` (its key when it has one). */
  line(path: readonly PathSegment[]): number {
    return this.position(path, 'key').line;
  }

  position(path: readonly PathSegment[], at: 'key' | 'value'): { line: number; col: number } {
    const found = this.find(path);
    // A missing key points at the map that lacks it; an empty value (`prompt:`) at its key,
    // because the parser places the empty node after the colon, sometimes past the line's end.
    let offset: number | undefined;
    if (found.complete && found.pair && (at === 'key' || isEmpty(found.node))) offset = rangeStart(found.pair.key);
    offset ??= rangeStart(found.node) ?? (found.pair ? rangeStart(found.pair.key) : undefined) ?? 0;
    return this.lines.linePos(offset);
  }

  private make(line: number, col: number, path: string, message: string, hint?: string): ConfigIssue {
    const issue: ConfigIssue = { file: this.file, line, col, path, message };
    if (hint !== undefined) issue.hint = hint;
    return issue;
  }

  private deref(node: Node | null): Node | null {
    return node !== null && isAlias(node) ? (this.aliases.get(node) ?? node) : node;
  }

  private find(path: readonly PathSegment[]): Found {
    let node = this.root;
    let pair: Pair | undefined;
    for (const seg of path) {
      const here = this.deref(node);
      let next: Node | null | undefined;
      let nextPair: Pair | undefined;
      if (isMap(here)) {
        nextPair = here.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg)) as Pair | undefined;
        next = nextPair ? (nextPair.value as Node | null) : undefined;
      } else if (isSeq(here) && typeof seg === 'number') {
        next = here.items[seg] as Node | undefined;
      }
      if (next === undefined) return { node, pair, complete: false };
      node = next;
      pair = nextPair;
    }
    return { node, pair, complete: true };
  }

  private pathAt(offset: number): PathSegment[] {
    const path: PathSegment[] = [];
    let node = this.root;
    // Bounded by the nesting limit the reader enforces; aliases are not followed.
    while (node !== null && (isMap(node) || isSeq(node))) {
      let next: Node | null = null;
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = pair.key as Node | null;
          const value = pair.value as Node | null;
          if (contains(key, offset) && isScalar(key)) {
            path.push(String(key.value));
            return path;
          }
          if (contains(value, offset) && isScalar(key)) {
            path.push(String(key.value));
            next = value;
            break;
          }
        }
      } else {
        node.items.forEach((item, index) => {
          if (next === null && isPairOrNode(item) && contains(item as Node, offset)) {
            path.push(index);
            next = item as Node;
          }
        });
      }
      node = next;
    }
    return path;
  }
}

function isPairOrNode(item: unknown): boolean {
  return item !== null && typeof item === 'object' && !isPair(item);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function contains(node: Node | null, offset: number): boolean {
  const range = node?.range;
  return range !== undefined && range !== null && offset >= range[0] && offset < Math.max(range[2], range[0] + 1);
}

function isEmpty(node: Node | null): boolean {
  if (node === null) return true;
  if (!isScalar(node) || node.value !== null) return false;
  const range = node.range;
  return range === undefined || range === null || range[0] === range[1];
}
