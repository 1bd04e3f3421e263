/** `kroki-studio stack`'s argument parsing (compose's flag placement), the log demultiplexer and the status table. */
import { describe, expect, it } from 'vitest';
import { parseStackArgs } from '../../server/stack/command.js';
import { demux } from '../../server/stack/controller.js';
import { statusTable } from '../../server/stack/terminal.js';

describe('stack arguments', () => {
  it('takes -f, --profile and -p before or after the command', () => {
    expect(parseStackArgs(['-f', 'a.yml', '--profile', 'mermaid', 'up', '--profile', 'bpmn', '-p', 'demo'])).toMatchObject({
      action: 'up',
      file: 'a.yml',
      profiles: ['mermaid', 'bpmn'],
      project: 'demo',
      keepOnError: false,
    });
    expect(parseStackArgs(['up', '-f', 'b.yml', '--keep-on-error'])).toMatchObject({ action: 'up', file: 'b.yml', keepOnError: true });
    expect(parseStackArgs(['down', '-v'])).toMatchObject({ action: 'down', volumes: true });
    expect(parseStackArgs(['status', '--json'])).toMatchObject({ action: 'status', json: true });
  });
  it('after logs, -f follows (as in docker compose) and --file names the file', () => {
    expect(parseStackArgs(['-f', 'a.yml', 'logs', '-f', 'kroki', '--tail', '20'])).toMatchObject({
      action: 'logs',
      file: 'a.yml',
      follow: true,
      service: 'kroki',
      tail: 20,
    });
    expect(parseStackArgs(['logs', '--file', 'c.yml'])).toMatchObject({ action: 'logs', file: 'c.yml', follow: false });
  });
  it('refuses what does not fit, with a reason', () => {
    expect(() => parseStackArgs([])).toThrow(/which stack command/);
    expect(() => parseStackArgs(['restart'])).toThrow(/unknown stack command 'restart'/);
    expect(() => parseStackArgs(['down', '--json'])).toThrow(/'--json' does not apply to stack down/);
    expect(() => parseStackArgs(['logs', '--tail', 'many'])).toThrow(/--tail expects a number/);
    expect(() => parseStackArgs(['up', '--bogus'])).toThrow(/bogus/);
  });
});

describe('log demultiplexing', () => {
  const frame = (stream: 1 | 2, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  it("splits Docker's frames into stdout and stderr lines, across frame borders", () => {
    const buf = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'oops\n'), frame(1, 'o\r\n')]);
    expect(demux(buf)).toEqual([
      { stream: 'stdout', line: 'one' },
      { stream: 'stdout', line: 'two' },
      { stream: 'stderr', line: 'oops' },
    ]);
  });
  it('reads a TTY log (no frames) as stdout', () => {
    expect(demux(Buffer.from('plain\ntext\n'))).toEqual([
      { stream: 'stdout', line: 'plain' },
      { stream: 'stdout', line: 'text' },
    ]);
  });
});

describe('status table', () => {
  it('lists services, the Kroki URL, the types and the last error', () => {
    const text = statusTable({
      state: 'up',
      project: 'kroki-studio',
      file: 'built-in',
      profiles: ['mermaid'],
      services: [
        { name: 'kroki', image: 'k', state: 'healthy', health: 'healthy', ports: ['127.0.0.1:8000->8000/tcp'] },
        { name: 'mermaid', image: 'm', state: 'starting', ports: [] },
      ],
      krokiUrl: 'http://127.0.0.1:8000',
      types: ['structurizr', 'umlet'],
      docker: { available: true },
      error: null,
    });
    expect(text.split('\n')).toEqual([
      'project kroki-studio (built-in, profiles mermaid): up',
      '  kroki    healthy   127.0.0.1:8000->8000/tcp',
      '  mermaid  starting',
      'Kroki at http://127.0.0.1:8000',
      'types through the stack: structurizr, umlet',
    ]);
  });
});
