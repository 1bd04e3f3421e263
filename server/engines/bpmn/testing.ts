import type { EngineTesting } from '../testing.js';

export const testing: EngineTesting = {
  bpmn: {
    probes: (url) => [
      `<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d" targetNamespace="${url}/ns"><import importType="http://www.w3.org/2001/XMLSchema" location="${url}/import.xsd" namespace="x"/><process id="p"><startEvent id="s" name="Start"/></process><bpmndi:BPMNDiagram id="g"><bpmndi:BPMNPlane id="pl" bpmnElement="p"><bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="10" y="10" width="36" height="36"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>`,
    ],
  },
};
