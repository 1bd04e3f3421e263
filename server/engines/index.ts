/**
 * The catalogue of embedded engines: one factory per engine file, in one readable list
 * (like Kroki's Server.java registrations). Routes, /health and /api/engines are all
 * generated from this list.
 */
import { createBytefieldEngine } from './bytefield.js';
import { ditaaEngine } from './ditaa.js';
import type { EngineFactory } from './engine.js';
import { createGraphvizEngine } from './graphviz.js';
import { createMermaidEngine } from './mermaid.js';
import { createNomnomlEngine } from './nomnoml.js';
import { plantumlEngine } from './plantuml.js';
import { createVegaEngine } from './vega.js';
import { createVegaLiteEngine } from './vegalite.js';
import { createWavedromEngine } from './wavedrom.js';

export const ENGINE_FACTORIES: readonly EngineFactory[] = [
  // Order matters at start-up: the first one warms alone (see startPreloaded).
  createGraphvizEngine,
  plantumlEngine,
  ditaaEngine,
  createNomnomlEngine,
  createVegaEngine,
  createVegaLiteEngine,
  createWavedromEngine,
  createBytefieldEngine,
  createMermaidEngine,
];
