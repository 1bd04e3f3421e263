/**
 * The catalogue of embedded engines: one factory per engine file, in one readable list
 * (like Kroki's Server.java registrations). Routes, /health and /api/engines are all
 * generated from this list.
 */
import { ditaaEngine } from './ditaa.js';
import type { EngineFactory } from './engine.js';
import { plantumlEngine } from './plantuml.js';

export const ENGINE_FACTORIES: readonly EngineFactory[] = [
  // engines are added here, one import each
  plantumlEngine,
  ditaaEngine,
];
