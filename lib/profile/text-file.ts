import { readFileSync } from 'node:fs';
import type { SourceLocation } from '../errors.js';

/**
 * A profile file's text, which must be UTF-8: read any other way, its bytes would reach a container as
 * mojibake. Returns the text, or where the first byte that is not UTF-8 sits.
 */
export function readUtf8(file: string): { text: string } | { invalidAt: SourceLocation } {
  const bytes = readFileSync(file);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const bad = firstInvalidByte(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, bad)).split('\n');
    return { invalidAt: { file, line: before.length, column: before[before.length - 1]!.length + 1 } };
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence (by its shape). */
function firstInvalidByte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return 0;
}

export const NOT_UTF8_HINT =
  'Save the file as UTF-8 (for example iconv -f latin1 -t utf-8), or write the character another way.';
