/**
 * One working example per Kroki diagram type: loaded when a type is chosen with an
 * empty editor, and listed in the examples gallery.
 */
export interface DiagramExample {
  type: string;
  title: string;
  /**
   * Text the rendered picture must show (tests check every example's picture with it);
   * empty where the engine draws text as shapes or pixels (ditaa, sketches).
   */
  labels: readonly string[];
  source: string;
}

export const EXAMPLES: readonly DiagramExample[] = [
  {
    type: 'mermaid',
    title: 'Flowchart',
    labels: ['Write diagram text', 'Looks right?', 'Export'],
    source: `graph TD
  A[Write diagram text] --> B{Looks right?}
  B -- yes --> C[Export]
  B -- no --> A
`,
  },
  {
    type: 'mermaid',
    title: 'Sequence',
    labels: ['Editor', 'Server', 'POST /mermaid/svg'],
    source: `sequenceDiagram
  participant Editor
  participant Server
  Editor->>Server: POST /mermaid/svg
  Server-->>Editor: image/svg+xml
`,
  },
  {
    type: 'plantuml',
    title: 'Sequence',
    labels: ['Render request', 'User', 'Studio', 'Engine', 'preview'],
    source: `@startuml
title Render request
actor User
User -> Studio : edit text
Studio -> Engine : render
Engine --> Studio : SVG
Studio --> User : preview
@enduml
`,
  },
  {
    type: 'plantuml',
    title: 'Class diagram',
    labels: ['Document', 'Preview', 'renders'],
    source: `@startuml
class Document {
  name : String
  source : String
}
class Preview
Document "1" --> "1" Preview : renders
@enduml
`,
  },
  {
    type: 'c4plantuml',
    title: 'System context',
    labels: ['Author', 'Writes', 'Kroki'],
    source: `!include <C4/C4_Context>
Person(user, "Author", "Writes diagrams")
System(studio, "Kroki Studio", "Renders diagram text")
System_Ext(kroki, "Kroki", "Upstream renderer")
Rel(user, studio, "Edits diagrams in")
Rel(studio, kroki, "Forwards other types to")
`,
  },
  {
    type: 'graphviz',
    title: 'Directed graph',
    labels: ['Editor', 'Server', 'Engine', 'Preview'],
    source: `digraph G {
  rankdir=LR;
  node [shape=box, style=rounded];
  Editor -> Server -> Engine;
  Engine -> Preview;
}
`,
  },
  {
    type: 'd2',
    title: 'Connections',
    labels: ['Editor', 'Kroki Studio', 'Engine', 'POST source'],
    source: `editor: Editor
server: Kroki Studio
engine: Engine
editor -> server: POST source
server -> engine: render
engine -> server: SVG
`,
  },
  {
    type: 'ditaa',
    title: 'Boxes',
    labels: [],
    source: `+--------+   +--------+   +--------+
| Editor |-->| Server |-->| Engine |
|   cBLU |   |        |   |   cGRE |
+--------+   +--------+   +--------+
`,
  },
  {
    type: 'blockdiag',
    title: 'Blocks',
    labels: ['Editor', 'Server', 'Engine', 'Cache'],
    source: `blockdiag {
  Editor -> Server -> Engine;
  Server -> Cache;
}
`,
  },
  {
    type: 'seqdiag',
    title: 'Sequence',
    labels: ['browser', 'server', 'POST /seqdiag/svg'],
    source: `seqdiag {
  browser -> server [label = "POST /seqdiag/svg"];
  server -> engine [label = "render"];
  server <- engine [label = "SVG"];
  browser <- server;
}
`,
  },
  {
    type: 'actdiag',
    title: 'Swimlanes',
    labels: ['Author', 'Studio', 'write', 'render', 'review'],
    source: `actdiag {
  write -> render -> review;
  lane author {
    label = "Author";
    write; review;
  }
  lane studio {
    label = "Studio";
    render;
  }
}
`,
  },
  {
    type: 'nwdiag',
    title: 'Network',
    labels: ['dmz', 'internal', 'web01', 'db01'],
    source: `nwdiag {
  network dmz {
    address = "210.x.x.x/24";
    web01 [address = "210.x.x.1"];
  }
  network internal {
    address = "172.x.x.x/24";
    web01 [address = "172.x.x.1"];
    db01;
  }
}
`,
  },
  {
    type: 'packetdiag',
    title: 'UDP header',
    labels: ['Source Port', 'Destination Port', 'Checksum'],
    source: `packetdiag {
  colwidth = 32;
  node_height = 48;
  0-15: Source Port;
  16-31: Destination Port;
  32-47: Length;
  48-63: Checksum;
  64-95: Data [colheight = 2];
}
`,
  },
  {
    type: 'rackdiag',
    title: 'Rack',
    labels: ['UPS', 'DB Server', 'Load Balancer'],
    source: `rackdiag {
  12U;
  1: UPS [2U];
  3: DB Server;
  4: Web Server;
  5: Web Server;
  7: Load Balancer;
}
`,
  },
  {
    type: 'umlet',
    title: 'Class',
    labels: ['Document'],
    source: `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<diagram program="umlet" version="15.1">
  <zoom_level>10</zoom_level>
  <element>
    <id>UMLClass</id>
    <coordinates><x>10</x><y>10</y><w>160</w><h>80</h></coordinates>
    <panel_attributes>Document
--
name: String
source: String
--
render(): Image</panel_attributes>
    <additional_attributes/>
  </element>
</diagram>
`,
  },
  {
    type: 'erd',
    title: 'Entities',
    labels: ['Person', 'Location', 'city'],
    source: `[Person]
*name
height
+birth_location_id

[Location]
*id
city
country

Person *--1 Location
`,
  },
  {
    type: 'svgbob',
    title: 'ASCII art',
    labels: ['Editor', 'Server', 'Engine'],
    source: `   .---------.      .---------.
   | Editor  |----->| Server  |
   '---------'      '--+------'
                       |
                       v
                  .---------.
                  | Engine  |
                  '---------'
`,
  },
  {
    type: 'symbolator',
    title: 'VHDL entity',
    labels: ['counter', 'clk', 'reset', 'count'],
    source: `library ieee;
use ieee.std_logic_1164.all;

entity counter is
  port (
    clk   : in  std_logic;
    reset : in  std_logic;
    count : out std_logic_vector(7 downto 0)
  );
end entity counter;
`,
  },
  {
    type: 'nomnoml',
    title: 'Classes',
    labels: ['Editor', 'render()', 'Server', 'Cache', 'Engine'],
    source: `[Editor|source: string|render()] -> [Server]
[Server] -> [<database> Cache]
[Server] -> [Engine]
`,
  },
  {
    type: 'vega',
    title: 'Bar chart',
    labels: ['Alpha', 'Beta', 'Gamma'],
    source: `{
  "$schema": "https://vega.github.io/schema/vega/v5.json",
  "width": 300,
  "height": 160,
  "padding": 5,
  "data": [
    {
      "name": "table",
      "values": [
        {"category": "Alpha", "amount": 28},
        {"category": "Beta", "amount": 55},
        {"category": "Gamma", "amount": 43}
      ]
    }
  ],
  "scales": [
    {"name": "x", "type": "band", "domain": {"data": "table", "field": "category"}, "range": "width", "padding": 0.1},
    {"name": "y", "domain": {"data": "table", "field": "amount"}, "nice": true, "range": "height"}
  ],
  "axes": [
    {"orient": "bottom", "scale": "x"},
    {"orient": "left", "scale": "y"}
  ],
  "marks": [
    {
      "type": "rect",
      "from": {"data": "table"},
      "encode": {
        "enter": {
          "x": {"scale": "x", "field": "category"},
          "width": {"scale": "x", "band": 1},
          "y": {"scale": "y", "field": "amount"},
          "y2": {"scale": "y", "value": 0},
          "fill": {"value": "steelblue"}
        }
      }
    }
  ]
}
`,
  },
  {
    type: 'vegalite',
    title: 'Bar chart',
    labels: ['graphviz', 'plantuml', 'mermaid', 'renders'],
    source: `{
  "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
  "description": "Renders per engine",
  "data": {
    "values": [
      {"engine": "graphviz", "renders": 28},
      {"engine": "plantuml", "renders": 55},
      {"engine": "mermaid", "renders": 43}
    ]
  },
  "mark": "bar",
  "encoding": {
    "x": {"field": "engine", "type": "nominal"},
    "y": {"field": "renders", "type": "quantitative"}
  }
}
`,
  },
  {
    type: 'wavedrom',
    title: 'Timing',
    labels: ['clk', 'req', 'data', 'ack'],
    source: `{ "signal": [
  { "name": "clk",  "wave": "p......." },
  { "name": "req",  "wave": "0.1..0.." },
  { "name": "data", "wave": "x.345x..", "data": ["a", "b", "c"] },
  { "name": "ack",  "wave": "0....10." }
]}
`,
  },
  {
    type: 'bytefield',
    title: 'Packet',
    labels: ['Address', 'Size', 'Payload'],
    source: `(defattrs :bg-green {:fill "#a0ffa0"})
(draw-column-headers)
(draw-box "Address" {:span 4})
(draw-box "Size" {:span 2})
(draw-box 0 {:span 2})
(draw-gap "Payload")
(draw-bottom)
`,
  },
  {
    type: 'pikchr',
    title: 'Flow',
    labels: ['Diagram', 'Kroki', 'Studio', 'SVG'],
    source: `arrow right 200% "Diagram" "text"
box rad 10px "Kroki" "Studio" fit
arrow right 200% "SVG" "picture"
`,
  },
  {
    type: 'structurizr',
    title: 'System context',
    labels: ['Author', 'Kroki Studio'],
    source: `workspace {
  model {
    user = person "Author"
    studio = softwareSystem "Kroki Studio"
    user -> studio "Edits diagrams in"
  }
  views {
    systemContext studio {
      include *
      autolayout lr
    }
  }
}
`,
  },
  {
    type: 'tikz',
    title: 'Axes and circle',
    labels: ['Origin', 'Circle'],
    source: `\\documentclass{standalone}
\\usepackage{tikz}
\\begin{document}
\\begin{tikzpicture}
  \\draw[->] (0,0) node[below left] {Origin} -- (3,0) node[right] {$x$};
  \\draw[->] (0,0) -- (0,2) node[above] {$y$};
  \\draw[blue] (1.5,1) circle (0.6) node {Circle};
\\end{tikzpicture}
\\end{document}
`,
  },
  {
    type: 'dbml',
    title: 'Tables',
    labels: ['users', 'documents', 'owner_id'],
    source: `Table users {
  id integer [primary key]
  name varchar
}

Table documents {
  id integer [primary key]
  owner_id integer [ref: > users.id]
  source text
}
`,
  },
  {
    type: 'wireviz',
    title: 'Harness',
    labels: ['X1', 'X2', 'W1', 'D-Sub', 'Molex KK 254', 'GND', 'DTR', '0.25 mm²', '0.2 m', 'X1:5:GND', 'X2:3:TX', 'Shield'],
    source: `connectors:
  X1:
    type: D-Sub
    subtype: female
    pinlabels: [DCD, RX, TX, DTR, GND]
  X2:
    type: Molex KK 254
    subtype: female
    pinlabels: [GND, RX, TX]

cables:
  W1:
    gauge: 0.25 mm2
    length: 0.2
    color_code: DIN
    wirecount: 3
    shield: true

connections:
  -
    - X1: [5, 2, 3]
    - W1: [1, 2, 3]
    - X2: [1, 3, 2]
`,
  },
  {
    type: 'goat',
    title: 'ASCII art',
    labels: ['Text', 'Image'],
    source: `  .-------.     .-------.
  | Text  +---->| Image |
  '-------'     '-------'
`,
  },
  {
    type: 'bpmn',
    title: 'Process',
    labels: ['Text changed', 'Render', 'diagram', 'Preview shown'],
    source: `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  id="defs" targetNamespace="http://kroki-studio.example">
  <process id="render" isExecutable="false">
    <startEvent id="start" name="Text changed" />
    <task id="task" name="Render diagram" />
    <endEvent id="end" name="Preview shown" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <sequenceFlow id="f2" sourceRef="task" targetRef="end" />
  </process>
  <bpmndi:BPMNDiagram id="d1">
    <bpmndi:BPMNPlane id="p1" bpmnElement="render">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="task_di" bpmnElement="task"><dc:Bounds x="190" y="78" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="350" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="190" y="118" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="290" y="118" /><di:waypoint x="350" y="118" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>
`,
  },
  {
    type: 'excalidraw',
    title: 'Box and label',
    labels: ['Kroki Studio'],
    source: `{
  "type": "excalidraw",
  "version": 2,
  "source": "kroki-studio",
  "elements": [
    {
      "id": "box", "type": "rectangle", "x": 10, "y": 10, "width": 180, "height": 80,
      "angle": 0, "strokeColor": "#1e1e1e", "backgroundColor": "#a5d8ff", "fillStyle": "solid",
      "strokeWidth": 2, "strokeStyle": "solid", "roughness": 1, "opacity": 100,
      "seed": 1, "version": 1, "versionNonce": 1, "isDeleted": false,
      "groupIds": [], "boundElements": [], "locked": false
    },
    {
      "id": "label", "type": "text", "x": 40, "y": 38, "width": 120, "height": 25,
      "angle": 0, "strokeColor": "#1e1e1e", "backgroundColor": "transparent", "fillStyle": "solid",
      "strokeWidth": 1, "strokeStyle": "solid", "roughness": 1, "opacity": 100,
      "seed": 2, "version": 1, "versionNonce": 2, "isDeleted": false,
      "groupIds": [], "boundElements": [], "locked": false,
      "text": "Kroki Studio", "fontSize": 20, "fontFamily": 1,
      "textAlign": "left", "verticalAlign": "top", "originalText": "Kroki Studio"
    }
  ],
  "appState": { "viewBackgroundColor": "#ffffff" },
  "files": {}
}
`,
  },
  {
    type: 'diagramsnet',
    title: 'Two boxes',
    labels: ['Editor', 'Server'],
    source: `<mxfile>
  <diagram id="page1" name="Page-1">
    <mxGraphModel>
      <root>
        <mxCell id="0" />
        <mxCell id="1" parent="0" />
        <mxCell id="a" value="Editor" style="rounded=1;whiteSpace=wrap;" vertex="1" parent="1">
          <mxGeometry x="20" y="20" width="120" height="60" as="geometry" />
        </mxCell>
        <mxCell id="b" value="Server" style="rounded=1;whiteSpace=wrap;" vertex="1" parent="1">
          <mxGeometry x="220" y="20" width="120" height="60" as="geometry" />
        </mxCell>
        <mxCell id="e" edge="1" parent="1" source="a" target="b">
          <mxGeometry relative="1" as="geometry" />
        </mxCell>
      </root>
    </mxGraphModel>
  </diagram>
</mxfile>
`,
  },
];

export function examplesFor(type: string): DiagramExample[] {
  return EXAMPLES.filter((e) => e.type === type);
}

export function firstExample(type: string): DiagramExample | undefined {
  return EXAMPLES.find((e) => e.type === type);
}
