import Modem from 'docker-modem';
import { describe, expect, it } from 'vitest';
import { demuxBuffer } from '../../../lib/runtime/docker/streams.js';

const frame = (kind: number, text: string) => {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

describe('demuxBuffer', () => {
  const modem = new Modem({ socketPath: '/nonexistent' });
  it('joins stdout and stderr frames in the order the engine sent them', async () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err\n'), frame(1, 'out 2\n')]);
    expect(await demuxBuffer(modem, buf)).toBe('out 1\nerr\nout 2\n');
  });
  it('passes a TTY container’s raw output through', async () => {
    expect(await demuxBuffer(modem, Buffer.from('plain text\n'))).toBe('plain text\n');
  });
});
