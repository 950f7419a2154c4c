import { ProfileError } from '../errors.js';
import { hintFor, interpolateString, type Parameters } from './interpolate.js';
import { NOT_UTF8_HINT, readUtf8 } from './text-file.js';

/**
 * A template rendered with the parameters. A missing one is reported where it is named (`namedAt`), since
 * the template itself has no line to point at.
 */
export function renderTemplate(
  file: string,
  params: Parameters,
  errors: ProfileError[],
  namedAt: (problem: string, hint: string) => ProfileError,
): string | undefined {
  let read: ReturnType<typeof readUtf8>;
  try {
    read = readUtf8(file);
  } catch {
    errors.push(
      namedAt(`template ${file} not found`, 'Check the "source:" path; it is relative to the file that names it.'),
    );
    return undefined;
  }
  if ('invalidAt' in read) {
    errors.push(new ProfileError(read.invalidAt, '', 'the template is not UTF-8 text', NOT_UTF8_HINT));
    return undefined;
  }
  const { text } = read;
  const before = errors.length;
  const out = String(
    interpolateString(text, params, (name, offset) => {
      const prefix = text.slice(0, offset).split('\n');
      errors.push(
        new ProfileError(
          { file, line: prefix.length, column: prefix[prefix.length - 1]!.length + 1 },
          '',
          `unknown parameter "${name}" in config template`,
          hintFor(name, params),
        ),
      );
    }),
  );
  return errors.length > before ? undefined : out;
}
