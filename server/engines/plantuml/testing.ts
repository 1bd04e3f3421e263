import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  plantuml: {
    probes: (url, file) => [
      `@startuml\n!include ${url}/pu.puml\nA -> B\n@enduml`,
      `@startuml\n!includeurl ${url}/pu2.puml\nA -> B\n@enduml`,
      `@startuml\nA -> B : <img:${url}/pu.png>\n@enduml`,
      `@startuml\n!include ${file}\nA -> B\n@enduml`,
      `@startuml\n!theme foo from ${url}/themes\nA -> B\n@enduml`,
    ],
  },
  c4plantuml: { probes: (url) => [`@startuml\n!include ${url}/C4_Context.puml\nPerson(p, "P")\n@enduml`] },
  ditaa: { probes: { none: 'ditaa has no way to name anything outside its text' } },
};
