import { describe, expect, it } from 'vitest';
import { mermaidConfigFor, optionsToMermaidConfig, typedValue } from '../../../server/engines/mermaid/config.js';

describe('mermaid option mapping (Kroki’s rules)', () => {
  it('turns kebab-case into camelCase and "_" into nesting', () => {
    expect(
      optionsToMermaidConfig({
        'er_title-top-margin': '10',
        theme: 'forest',
        'flowchart_html-labels': 'false',
      }),
    ).toEqual({
      er: { titleTopMargin: 10 },
      theme: 'forest',
      flowchart: { htmlLabels: false },
    });
  });

  it('types values: booleans, numbers, arrays, strings', () => {
    expect(typedValue('true')).toBe(true);
    expect(typedValue('false')).toBe(false);
    expect(typedValue('12.5')).toBe(12.5);
    expect(typedValue('-3')).toBe(-3);
    expect(typedValue('[a, 2, true]')).toEqual(['a', 2, true]);
    expect(typedValue('basis')).toBe('basis');
  });

  it('ignores security keys and prototype tricks', () => {
    expect(
      optionsToMermaidConfig({
        'security-level': 'loose',
        securitylevel: 'loose',
        secure: '[]',
        'max-text-size': '9',
        'max-edges': '9',
        'start-on-load': 'true',
        safemode: 'unsafe',
        'dompurify-config_add-tags': '[script]',
        constructor_prototype_polluted: 'yes',
      }),
    ).toEqual({});
    // An own "__proto__" key, as a parsed query string would carry it.
    expect(
      optionsToMermaidConfig(
        Object.fromEntries([
          ['__proto___polluted', 'yes'],
          ['__proto__', 'x'],
        ]),
      ),
    ).toEqual({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('forces strict security unless unsafe, and keeps Kroki’s defaults', () => {
    const secure = mermaidConfigFor({ theme: 'dark', flowchart_curve: 'basis' }, 'secure', 50_000);
    expect(secure).toMatchObject({
      theme: 'dark',
      securityLevel: 'strict',
      startOnLoad: false,
      maxTextSize: 50_000,
      flowchart: { useMaxWidth: false, curve: 'basis' },
      sequence: { useMaxWidth: false },
    });
    expect(secure.secure).toContain('dompurifyConfig');
    expect(mermaidConfigFor({}, 'safe', 1).securityLevel).toBe('strict');
    expect(mermaidConfigFor({}, 'unsafe', 1).securityLevel).toBe('loose');
    expect(mermaidConfigFor({}, 'secure', 1).theme).toBe('default');
    expect(mermaidConfigFor({ 'flowchart_use-max-width': 'true' }, 'secure', 1).flowchart).toEqual({ useMaxWidth: true });
  });
});
