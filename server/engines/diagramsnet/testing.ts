import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  diagramsnet: {
    probes: (url, file) => [
      `<mxfile><diagram id="d" name="P"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="2" value="&lt;img src=&quot;${url}/label.png&quot;&gt;" style="html=1;" vertex="1" parent="1"><mxGeometry x="10" y="10" width="120" height="60" as="geometry"/></mxCell><mxCell id="3" value="" style="shape=image;image=${url}/shape.png;" vertex="1" parent="1"><mxGeometry x="150" y="10" width="60" height="60" as="geometry"/></mxCell><mxCell id="4" value="" style="shape=image;image=file://${file};" vertex="1" parent="1"><mxGeometry x="220" y="10" width="60" height="60" as="geometry"/></mxCell></root></mxGraphModel></diagram></mxfile>`,
    ],
  },
};
