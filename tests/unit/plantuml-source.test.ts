import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DECODE_MESSAGES,
  decodeKrokiEncoded,
  decodePlantumlEncoded,
  normalizePlantumlText,
  sanitizeIncludes,
  withDelimiters,
} from '../../server/engines/plantuml/source.js';
import { plantuml } from '../../server/engines/plantuml/plantuml.js';
import { BadRequestError, StudioError } from '../../server/errors.js';
import { validateOptions } from '../../server/render/options.js';

const HELLO = '@startuml\nBob -> Alice : hello\n@enduml';

/** PlantUML's own encoder (deflate + its 64-char alphabet), written independently of the decoder. */
function plantumlEncode(text: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
  const bytes = deflateRawSync(Buffer.from(text, 'utf8'), { level: 9 });
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [b1, b2, b3] = [bytes[i]!, bytes[i + 1] ?? 0, bytes[i + 2] ?? 0];
    out += alphabet[b1 >> 2]! + alphabet[((b1 & 3) << 4) | (b2 >> 4)]! + alphabet[((b2 & 15) << 2) | (b3 >> 6)]! + alphabet[b3 & 63]!;
  }
  return out;
}

function expectBadRequest(fn: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(BadRequestError);
  expect((caught as BadRequestError).status).toBe(400);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

describe('decodePlantumlEncoded', () => {
  it('decodes the native PlantUML example from kroki-api.md §2', () => {
    expect(decodePlantumlEncoded('SyfFKj2rKt3CoKnELR1Io4ZDoSa70000')).toBe(HELLO);
  });

  it('decodes the padded Kroki example (fallback to zlib + base64url)', () => {
    expect(decodePlantumlEncoded('eNrjciguSSwqKc3N4XLKT1LQtVNwzMlMTlWwUshIzcnJ53JIzUsBSQIABnMM1A==')).toBe(HELLO);
  });

  it('decodes the unpadded Kroki form and a %3D-escaped padding', () => {
    expect(decodePlantumlEncoded('eNrjciguSSwqKc3N4XLKT1LQtVNwzMlMTlWwUshIzcnJ53JIzUsBSQIABnMM1A')).toBe(HELLO);
    expect(decodePlantumlEncoded('eNrjciguSSwqKc3N4XLKT1LQtVNwzMlMTlWwUshIzcnJ53JIzUsBSQIABnMM1A%3D%3D')).toBe(HELLO);
  });

  it('accepts the ~0 prefix and round-trips non-ASCII text', () => {
    const text = '@startuml\nAlice -> 鲍勃 : grüße\n@enduml';
    expect(decodePlantumlEncoded(`~0${plantumlEncode(text)}`)).toBe(text);
    expect(decodePlantumlEncoded(plantumlEncode(text))).toBe(text);
  });

  it('decodes ~h hex', () => {
    const hex = Buffer.from('Bob -> Alice : hi', 'utf8').toString('hex');
    expect(decodePlantumlEncoded(`~h${hex}`)).toBe('@startuml\nBob -> Alice : hi\n@enduml');
  });

  it('keeps other @start kinds and wraps bare bodies', () => {
    expect(decodePlantumlEncoded(plantumlEncode('@startmindmap\n* a\n@endmindmap'))).toBe('@startmindmap\n* a\n@endmindmap');
    expect(decodePlantumlEncoded(plantumlEncode('  A -> B  \n'))).toBe('@startuml\nA -> B\n@enduml');
  });

  it('refuses the legacy ~1 Huffman encoding with a clear 400', () => {
    expectBadRequest(() => decodePlantumlEncoded('~1UDfpA2v9B2efpStXSifFKj2rKt3CoKnELR1Io4ZDoSa70000'), /Huffman/);
  });

  it("reports Kroki's messages for empty, bad base64 and bad zlib input", () => {
    expectBadRequest(() => decodePlantumlEncoded(''), DECODE_MESSAGES.empty);
    expectBadRequest(() => decodePlantumlEncoded('   '), DECODE_MESSAGES.empty);
    expectBadRequest(() => decodePlantumlEncoded('abc*def'), DECODE_MESSAGES.base64);
    // Valid base64url, neither PlantUML deflate nor zlib.
    expectBadRequest(() => decodePlantumlEncoded('aGVsbG8gd29ybGQ'), DECODE_MESSAGES.zlib);
  });

  it('bounds the decompressed size with a 413 (zlib bomb)', () => {
    const bomb = 'A'.repeat(5_000_000);
    const native = plantumlEncode(bomb);
    const kroki = deflateSync(Buffer.from(bomb)).toString('base64url');
    for (const encoded of [native, kroki]) {
      let caught: unknown;
      try {
        decodePlantumlEncoded(encoded, 100_000);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(StudioError);
      expect((caught as StudioError).status).toBe(413);
    }
    // The same source under a sufficient limit decodes.
    expect(decodePlantumlEncoded(kroki, 6_000_000)).toContain('AAAA');
  });
});

describe('decodeKrokiEncoded', () => {
  it('decodes the docs example padded and unpadded, and rejects bad padding', () => {
    // (The docs show this example with line breaks; the encoded bytes themselves have none.)
    expect(decodeKrokiEncoded('eNpLyUwvSizIUHBXqPZIzcnJ17ULzy_KSanlAgB1EAjQ')).toBe('digraph G {Hello->World}');
    const padded = deflateSync(Buffer.from('digraph G {\n  Hello->World\n}\n')).toString('base64');
    expect(padded).toMatch(/=$/);
    expect(decodeKrokiEncoded(padded.replace(/\+/g, '-').replace(/\//g, '_'))).toBe('digraph G {\n  Hello->World\n}');
    expect(decodeKrokiEncoded(padded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).toBe('digraph G {\n  Hello->World\n}');
    expectBadRequest(() => decodeKrokiEncoded('eNpLyUwvSizIUHBXqPZIzcnJ17ULzy_KSanlAgB1EAjQ='), DECODE_MESSAGES.base64);
    expectBadRequest(() => decodeKrokiEncoded('eNpL+UwvSizI'), DECODE_MESSAGES.base64);
  });

  it('keeps leading whitespace when asked (ditaa)', () => {
    const encoded = deflateSync(Buffer.from('   +--+\n   |  |\n')).toString('base64url');
    expect(decodeKrokiEncoded(encoded, { trim: false })).toBe('   +--+\n   |  |\n');
    expect(decodeKrokiEncoded(encoded)).toBe('+--+\n   |  |');
  });
});

describe('normalizePlantumlText', () => {
  it('strips an outer @startuml/@enduml pair and rewraps', () => {
    expect(normalizePlantumlText('\n@startuml\nA -> B\n@enduml\n')).toBe('@startuml\nA -> B\n@enduml');
    expect(normalizePlantumlText('A -> B')).toBe('@startuml\nA -> B\n@enduml');
    expect(normalizePlantumlText('@startgantt\n[T] lasts 2 days\n@endgantt')).toBe('@startgantt\n[T] lasts 2 days\n@endgantt');
  });
});

describe('withDelimiters', () => {
  it('wraps a bare source and maps PlantUML positions to user lines', () => {
    const p = withDelimiters('A -> B\nfoo bar\nB -> A');
    expect(p.text).toBe('@startuml\nA -> B\nfoo bar\nB -> A\n@enduml');
    expect(p.toSourceLine(2)).toBe(2); // "foo bar": position 2 in the block, user line 2
    expect(p.toSourceLine(0)).toBeUndefined();
  });

  it('leaves a delimited source alone; positions count from the top of the text', () => {
    const p = withDelimiters('\n\n@startuml\nA -> B\nfoo\n@enduml');
    expect(p.text).toBe('\n\n@startuml\nA -> B\nfoo\n@enduml');
    expect(p.toSourceLine(4)).toBe(5); // "foo" is the 5th line of the text
  });

  it('puts start arguments on the start line (ditaa flags)', () => {
    expect(withDelimiters('+--+', 'ditaa', '-E scale=2').text).toBe('@startditaa -E scale=2\n+--+\n@endditaa');
  });
});

describe('sanitizeIncludes', () => {
  const src = (...lines: string[]) => ['@startuml', ...lines, '@enduml'].join('\n');

  it('removes file and URL includes in secure mode, keeping line numbers', () => {
    const input = src('!include /etc/passwd', '!includeurl https://example.com/x.puml', '!include https://example.com/y.puml', 'A -> B');
    const out = sanitizeIncludes(input, 'secure');
    expect(out).toBe(src('', '', '', 'A -> B'));
    expect(out.split('\n')).toHaveLength(input.split('\n').length);
  });

  it('removes the trailing-comment trick and the loaders Kroki misses', () => {
    const input = src(
      '!include /etc/passwd #<aws/common>',
      '  !include_once /etc/hosts',
      '!includedef /etc/shadow',
      '!import /tmp/lib.zip',
      '!includesub /etc/x!PART',
    );
    expect(sanitizeIncludes(input, 'secure')).toBe(src('', '', '', '', ''));
  });

  it('keeps allow-listed stdlib includes only', () => {
    const input = src(
      '!include <C4/C4_Container>',
      '!include <awslib14/AWSCommon>',
      '!include <material2/common>',
      '!include <foo/x>',
      '!include <azure>',
      '!include <azure',
    );
    expect(sanitizeIncludes(input, 'secure')).toBe(
      src('!include <C4/C4_Container>', '!include <awslib14/AWSCommon>', '!include <material2/common>', '', '', ''),
    );
  });

  it('rewrites C4-PlantUML URL includes to the bundled stdlib', () => {
    const input = src(
      '!include https://raw.githubusercontent.com/plantuml-stdlib/C4-PlantUML/master/C4_Container.puml',
      '!includeurl https://example.com/C4_Context.puml',
      '  !include https://example.com/c4.puml',
      '!include /opt/C4_Deployment.puml',
    );
    expect(sanitizeIncludes(input, 'secure')).toBe(
      src('!include <C4/C4_Container>', '!include <C4/C4_Context>', '  !include <C4/C4>', '!include <C4/C4_Deployment>'),
    );
  });

  it('keeps relative paths without traversal in safe mode only', () => {
    const input = src(
      '!include bar.puml',
      '!include foo!1',
      '!includesub fooBar!BASIC',
      '!include ../secret.puml',
      '!include a/../../b',
      '!include /etc/passwd',
      '!include C:\\x.puml',
      '!include https://x/y',
      '!include $file',
      '!include %dirpath()/x',
    );
    expect(sanitizeIncludes(input, 'safe')).toBe(src('!include bar.puml', '!include foo!1', '!includesub fooBar!BASIC', '', '', '', '', '', '', ''));
    expect(sanitizeIncludes(input, 'secure')).toBe(src('', '', '', '', '', '', '', '', '', ''));
  });

  it('keeps everything in unsafe mode and leaves other lines untouched', () => {
    const input = src('!include /etc/passwd', 'A -> B : !include /etc/passwd');
    expect(sanitizeIncludes(input, 'unsafe')).toBe(input);
    expect(sanitizeIncludes(input, 'secure')).toBe(src('', 'A -> B : !include /etc/passwd'));
  });
});

describe('the theme option (PlantUML schema, checked by the render core)', () => {
  const theme = (value: string) => validateOptions(plantuml.options, { theme: value }).theme;
  it('accepts plain names and refuses anything that could inject directives', () => {
    expect(theme('cerulean-outline')).toBe('cerulean-outline');
    expect(theme('sketchy_2')).toBe('sketchy_2');
    for (const bad of ['cerulean\n!include /etc/passwd', 'x from https://evil', '$x', '', '../x']) {
      expectBadRequest(() => theme(bad), /Invalid value for option theme/);
    }
  });
});
