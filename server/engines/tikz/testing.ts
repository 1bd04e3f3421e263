import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  tikz: {
    // pdfLaTeX takes CJK text only in CJKutf8's environment (gbsn: a GB2312 font TeX Live has).
    cjk: (source, label, text) =>
      source
        .replace(/(\\documentclass[^\n]*\n)/, '$1\\usepackage{CJKutf8}\n')
        .split(label)
        .join(`\\begin{CJK}{UTF8}{gbsn}${text}\\end{CJK}`),
    probes: (url, file) => [
      `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\input{${file}}\n\\end{document}`,
      `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\immediate\\write18{curl ${url}/tex}\n\\tikz \\node {x};\n\\end{document}`,
      `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\newread\\f\\openin\\f=${file}\n\\read\\f to\\l \\tikz \\node {\\l};\n\\end{document}`,
    ],
  },
};
