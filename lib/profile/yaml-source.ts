import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ProfileError, ProfileErrors, type SourceLocation } from '../errors.js';
import { NOT_UTF8_HINT, readUtf8 } from './text-file.js';

export type KeyPath = (string | number)[];

/** A parsed YAML file that can say where any key path sits in it, so every error points at a line. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly value: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static read(file: string): YamlSource {
    let read: ReturnType<typeof readUtf8>;
    try {
      read = readUtf8(file);
    } catch (cause) {
      throw new ProfileErrors([
        new ProfileError(
          { file, line: 1, column: 1 },
          '',
          `cannot read file (${(cause as NodeJS.ErrnoException).code ?? cause})`,
          'Check the path; profiles and services are looked up under profiles/.',
        ),
      ]);
    }
    if ('invalidAt' in read) {
      throw new ProfileErrors([new ProfileError(read.invalidAt, '', 'the file is not UTF-8 text', NOT_UTF8_HINT)]);
    }
    return YamlSource.parse(file, read.text);
  }

  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const message = first.message.split('\n')[0] ?? first.message;
      throw new ProfileErrors([
        new ProfileError(
          { file, line: pos.line, column: pos.col },
          '',
          `malformed YAML: ${message}`,
          'Fix the YAML syntax at that line (indentation, a missing colon or quote).',
        ),
      ]);
    }
    let value: unknown;
    try {
      // maxAliasCount bounds what aliases may expand to (a "billion laughs" file would exhaust memory).
      value = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (cause) {
      let at = 0;
      visit(doc, { Alias: (_key, node) => ((at ||= node.range?.[0] ?? 0), visit.BREAK) });
      const pos = lines.linePos(at);
      throw new ProfileErrors([
        new ProfileError(
          { file, line: pos.line, column: pos.col },
          '',
          `YAML alias refused: ${(cause as Error).message.split('\n')[0]}`,
          'An alias must follow its anchor and may not expand too far; profiles need none: write the values out.',
        ),
      ]);
    }
    return new YamlSource(file, value, doc, lines);
  }

  /** Where a key path is written; falls back to its nearest existing parent, then to the file's start. */
  locate(path: KeyPath, { key = false } = {}): SourceLocation {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const offset = depth === path.length && key ? this.keyOffset(prefix) : this.valueOffset(prefix);
      if (offset !== undefined) {
        const pos = this.lines.linePos(offset);
        return { file: this.file, line: pos.line, column: pos.col };
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  error(path: KeyPath, problem: string, hint?: string, opts?: { key?: boolean }): ProfileError {
    return new ProfileError(this.locate(path, opts), formatKeyPath(path), problem, hint);
  }

  private valueOffset(path: KeyPath): number | undefined {
    if (path.length === 0) return this.doc.contents?.range?.[0];
    const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return node.range[0];
    // A key whose value is empty (null) has no node: point at the key instead.
    return this.keyOffset(path);
  }

  private keyOffset(path: KeyPath): number | undefined {
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const last = path[path.length - 1];
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  }
}

/** A key path as a user would write it; a very long key (often not a key at all) is cut. */
export function formatKeyPath(path: KeyPath): string {
  const cut = (raw: string) => {
    const key = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
    // A key with spaces or line breaks is quoted, so the message stays on one line and the key visible.
    return /[\s"]/.test(key) ? JSON.stringify(key) : key;
  };
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? cut(p) : `.${cut(p)}`)).join('');
}
