/**
 * The catalogue of embedded engines: one factory per engine file, in one readable list
 * (like Kroki's Server.java registrations). Routes, /health and /api/engines are all
 * generated from this list.
 */
import type { EngineFactory } from './engine.js';

export const ENGINE_FACTORIES: readonly EngineFactory[] = [
  // engines are added here, one import each
];
