// Reads YAML text into plain data, treating the text as hostile: nesting depth is checked on the
// parser's tokens before anything recursive runs, keys must be plain strings, and alias expansion
// has a budget (a "billion laughs" file stops at the budget instead of filling memory).
import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, YAMLParseError } from 'yaml';
import type { YAMLError } from 'yaml';
import type { Alias, CST, Document, Node, Pair } from 'yaml';
import { escapeControls, quote } from './describe.js';
import type { ConfigIssue } from './issue.js';
import { Locator } from './positions.js';

/** Deeper than any fleet file needs (a task's depends_on sits at level 6) and far from the stack limit. */
export const MAX_DEPTH = 32;
/** Values produced in total, aliases included; a 1000-task file needs about 20,000. */
export const MAX_VALUES = 1_000_000;
/** Values produced by expanding aliases: sharing a block is fine, exponential expansion is not. */
export const MAX_ALIAS_VALUES = 10_000;

export interface ReadResult {
  data: unknown;
  locator: Locator;
  issues: ConfigIssue[];
}

export function readYaml(text: string, file: string): ReadResult {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const emptyLocator = new Locator(file, null, lines, new Map());
  const tooDeep = findTooDeep(tokens);
  if (tooDeep !== undefined) {
    const issue = emptyLocator.issueAt(tooDeep, `nested more than ${MAX_DEPTH} levels deep; a fleet file needs far fewer`);
    return { data: undefined, locator: emptyLocator, issues: [issue] };
  }

  const doc = composeOne(tokens, text.length);
  const root = (doc.contents ?? null) as Node | null;
  const aliases = resolveAliases(root);
  const locator = new Locator(file, root, lines, aliases.targets);
  const issues = [...doc.errors, ...doc.warnings].map((e) => yamlIssue(e, locator));
  for (const alias of aliases.unresolved) {
    const name = anchorName(alias.source);
    issues.push(locator.issueAt(alias.range?.[0] ?? 0, `unknown alias *${name}; an anchor &${name} must come before it`));
  }
  if (issues.length > 0) return { data: undefined, locator, issues };

  const converter = new Converter(aliases.targets, locator);
  const data = converter.convert(root, 0);
  return { data, locator, issues: converter.issues };
}

function composeOne(tokens: CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2' });
  let first: Document.Parsed | undefined;
  for (const doc of composer.compose(tokens, true, length)) {
    if (first === undefined) {
      first = doc;
    } else {
      const [start] = doc.range;
      const message = 'a fleet file holds one YAML document, but a second one starts here ("---")';
      first.errors.push(new YAMLParseError([start, start + 1], 'MULTIPLE_DOCS', message));
      break;
    }
  }
  return first!;
}

function yamlIssue(error: YAMLError, locator: Locator): ConfigIssue {
  const message = escapeControls(error.message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, ''));
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const first = locator.firstLineOfKeyAt(error.pos[0]);
      const where = first === undefined ? '' : ` (first at line ${first})`;
      const message = `duplicate key${where}; each key may appear once in a map`;
      return locator.issueAt(error.pos[0], message, 'remove or merge one of the two entries');
    }
    case 'TAB_AS_INDENT':
      return locator.issueAt(error.pos[0], 'YAML does not allow tabs for indentation', 'indent with spaces');
    case 'MULTIPLE_DOCS':
      return locator.issueAt(error.pos[0], message);
    case 'TAG_RESOLVE_FAILED':
      return locator.issueAt(error.pos[0], `${lowerFirst(message)}; fleet files use plain YAML without tags`);
    default:
      return locator.issueAt(error.pos[0], `invalid YAML: ${lowerFirst(message)}`);
  }
}

// The yaml package lets control characters into anchor names; escape them like any user text.
function anchorName(source: string): string {
  return quote(source).slice(1, -1);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Offset of the first collection nested deeper than MAX_DEPTH, found without recursion. */
function findTooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= MAX_DEPTH) return token.offset;
      for (const item of token.items) {
        stack.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * An alias means the last node anchored with its name before it (YAML 1.2, and what the yaml
 * package does). One walk in document order resolves all of them, instead of a full-document
 * scan per alias.
 */
function resolveAliases(root: Node | null): { targets: Map<Alias, Node>; unresolved: Alias[] } {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  const unresolved: Alias[] = [];
  const stack: (Node | null)[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) targets.set(node, target);
      else unresolved.push(node);
      continue;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        stack.push(pair.value as Node | null, pair.key as Node | null);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i] as Node | null);
    }
  }
  return { targets, unresolved };
}

/**
 * Builds plain objects (null prototype, so a `__proto__` key is just a key) and arrays. Recursion
 * depth is bounded by MAX_DEPTH, which also stops an alias that refers to its own anchor.
 */
class Converter {
  readonly issues: ConfigIssue[] = [];
  private values = 0;
  private aliasValues = 0;
  /** The outermost alias being expanded: a budget overrun is reported where the user wrote it. */
  private expanding: Alias | undefined;
  private stopped = false;

  constructor(
    private readonly aliases: ReadonlyMap<Alias, Node>,
    private readonly locator: Locator,
  ) {}

  convert(node: Node | null, depth: number): unknown {
    if (node === null || this.stopped) return null;
    if (++this.values > MAX_VALUES) return this.stop(node, `the file holds more than ${MAX_VALUES} values`);
    if (this.expanding && ++this.aliasValues > MAX_ALIAS_VALUES) {
      const message = `aliases expand to more than ${MAX_ALIAS_VALUES} values; an alias may repeat a block, not multiply it`;
      return this.stop(this.expanding, message);
    }
    if (isAlias(node)) {
      if (depth >= MAX_DEPTH) return this.stop(node, `alias *${anchorName(node.source)} nests more than ${MAX_DEPTH} levels deep`);
      const outermost = this.expanding === undefined;
      if (outermost) this.expanding = node;
      try {
        return this.convert(this.aliases.get(node) ?? null, depth);
      } finally {
        if (outermost) this.expanding = undefined;
      }
    }
    if (depth >= MAX_DEPTH) return this.stop(node, `nested more than ${MAX_DEPTH} levels deep; a fleet file needs far fewer`);
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) return node.items.map((item) => this.convert(item as Node | null, depth + 1));
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const pair of node.items) {
        const key = this.key(pair);
        if (key !== undefined) out[key] = this.convert(pair.value as Node | null, depth + 1);
      }
      return out;
    }
    return this.fail(node, 'unsupported YAML node');
  }

  private scalar(node: Node & { value: unknown }): unknown {
    const value = node.value;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return value;
    return this.fail(node, `unsupported value of type ${typeof value}`);
  }

  private key(pair: Pair): string | undefined {
    const key = pair.key as Node | null;
    if (isScalar(key) && typeof key.value === 'string') {
      if (key.value !== '__proto__') return key.value;
      this.fail(key, 'the key "__proto__" is not allowed');
      return undefined;
    }
    if (key === null || (isScalar(key) && key.value === null)) {
      this.fail(key ?? (pair.value as Node | null), 'empty key; every entry needs a name before the ":"');
    } else if (isScalar(key)) {
      // Only numbers, booleans and the like get here: their source is short plain text.
      const written = typeof key.source === 'string' ? key.source : String(key.value);
      const source = written.length > 40 ? `${written.slice(0, 40)}…` : written;
      this.fail(key, `key ${source} is a ${typeof key.value}; keys must be strings`, `put it in quotes: "${source}"`);
    } else {
      this.fail(key, 'keys must be strings, got a list, map or alias');
    }
    return undefined;
  }

  private stop(node: Node, message: string): null {
    this.stopped = true;
    return this.fail(node, message);
  }

  private fail(node: Node | null, message: string, hint?: string): null {
    this.issues.push(this.locator.issueAt(node?.range?.[0] ?? 0, message, hint));
    return null;
  }
}
