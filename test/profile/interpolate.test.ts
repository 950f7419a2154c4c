import { describe, expect, it } from 'vitest';
import { resolveParameterReferences } from '../../lib/profile/interpolate.js';

describe('parameters that name other parameters', () => {
  it('takes the final value of the one it names, keeping its type', () => {
    const { params, problems } = resolveParameterReferences({
      public_port: 5001,
      direct_port: '${public_port}',
      url: 'http://h:${direct_port}/v3',
      literal: '$${x}',
      quoting: 'see ${literal}',
    });
    expect(problems).toEqual([]);
    expect(params).toEqual({
      public_port: 5001,
      direct_port: 5001,
      url: 'http://h:5001/v3',
      literal: '${x}',
      quoting: 'see ${x}',
    });
  });

  it('reports an unknown name and a cycle instead of guessing', () => {
    expect(resolveParameterReferences({ a: '${nope}' }).problems).toEqual([
      { name: 'a', message: 'parameter "a" refers to unknown parameter "nope"' },
    ]);
    expect(resolveParameterReferences({ a: '${b}', b: '${a}' }).problems[0]!.message).toMatch(
      /^parameters refer to each other in a cycle: a -> b -> a/,
    );
  });
});
