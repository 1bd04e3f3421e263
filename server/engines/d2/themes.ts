/**
 * D2's themes, by Kroki's names (D2's own names, lower-cased, spaces as `-`) and ids. The
 * library knows exactly these ids: any other is an error inside the render ("theme 2 not
 * found"), so the option's pattern accepts only them and a bad value is a 400 up front.
 */
export const D2_THEMES: Readonly<Record<string, number>> = {
  default: 0,
  'neutral-gray': 1,
  'flagship-terrastruct': 3,
  'cool-classics': 4,
  'mixed-berry-blue': 5,
  'grape-soda': 6,
  aubergine: 7,
  'colorblind-clear': 8,
  'vanilla-nitro-cola': 100,
  'orange-creamsicle': 101,
  'shirley-temple': 102,
  'earth-tones': 103,
  'everglade-green': 104,
  'buttered-toast': 105,
  'dark-mauve': 200,
  'dark-flagship-terrastruct': 201,
  terminal: 300,
  'terminal-grayscale': 301,
  origami: 302,
  c4: 303,
};

const names = Object.keys(D2_THEMES);
const ids = [...new Set(Object.values(D2_THEMES))];

/** A theme name in any case, with spaces or dashes between its words (as Kroki accepts), or a known id. */
export const D2_THEME_PATTERN = new RegExp(`^(?:${[...ids.map(String), ...names.map((n) => n.replace(/-/g, '[- ]'))].join('|')})$`, 'i');

export const D2_THEME_HINT = `a D2 theme name (${names.join(', ')}) or id (${ids.join(', ')})`;

/** The id of a value the pattern accepted. */
export function d2ThemeId(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const id = D2_THEMES[value.toLowerCase().replace(/ /g, '-')];
  if (id === undefined) throw new Error(`unknown D2 theme ${value}`);
  return id;
}
