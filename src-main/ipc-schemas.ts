/**
 * The argument schema of every bridge channel. Objects are strict (an unknown key is an
 * error), strings and lists are bounded, paths must be absolute: whatever the renderer
 * sends, a handler only ever sees arguments of the shape its type says.
 */
import { z } from 'zod/v4';
import { OUTPUT_FORMATS, SAFE_MODES } from '../shared/api.js';
import type { IpcArgs, IpcChannel } from '../shared/ipc.js';

const MAX_TEXT = 5 * 1024 * 1024;
const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'must be an absolute path')
  .refine((p) => !p.includes('\0'), 'must not contain NUL');
const text = z.string().max(MAX_TEXT);
const fileName = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !/[\\/\0]/.test(n), 'must be a file name, not a path');
const diagramType = z.string().regex(/^[a-z0-9_-]{1,40}$/, 'must be a diagram type name');
const empty = z.strictObject({});
const draft = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  name: fileName,
  type: diagramType,
  source: text,
  path: absolutePath.nullable(),
  updatedAt: z.number().finite(),
});
const krokiUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
  .nullable();

export const CHANNEL_SCHEMAS: { readonly [C in IpcChannel]: z.ZodType<IpcArgs<C>> } = {
  'studio:file-open': z.strictObject({ path: absolutePath.optional() }),
  'studio:file-save': z.strictObject({ path: absolutePath, text, expectedMtimeMs: z.number().finite().optional() }),
  'studio:file-save-as': z.strictObject({ text, suggestedName: fileName }),
  'studio:file-watch': z.strictObject({ paths: z.array(absolutePath).max(200) }),
  'studio:recent-files': empty,
  'studio:confirm-close': z.strictObject({ names: z.array(fileName).min(1).max(200) }),
  'studio:drafts-list': empty,
  'studio:drafts-save': z.strictObject({ drafts: z.array(draft).max(200) }),
  'studio:render': z.strictObject({
    type: diagramType,
    format: z.enum(OUTPUT_FORMATS),
    source: text,
    options: z
      .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.string().max(1024))
      .refine((o) => Object.keys(o).length <= 64, 'at most 64 options')
      .optional(),
    documentPath: absolutePath.nullable().optional(),
  }),
  'studio:engines': empty,
  'studio:server-info': empty,
  'studio:warm': z.strictObject({ types: z.array(diagramType).max(100) }),
  'studio:settings-get': empty,
  'studio:settings-set': z.strictObject({
    krokiUrl: krokiUrl.optional(),
    safeMode: z.enum(SAFE_MODES).optional(),
    offline: z.boolean().optional(),
    includeRoot: absolutePath.nullable().optional(),
  }),
  'studio:stack': z.discriminatedUnion('action', [
    z.strictObject({
      action: z.literal('up'),
      file: absolutePath.optional(),
      profiles: z
        .array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/))
        .max(20)
        .optional(),
      project: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
        .optional(),
    }),
    z.strictObject({ action: z.literal('down'), removeVolumes: z.boolean().optional() }),
    z.strictObject({ action: z.literal('status') }),
  ]),
  'studio:app-info': empty,
  'studio:open-external': z.strictObject({ url: z.string().max(4096) }),
  'studio:close-window': empty,
};

/** "path: message" for the first problems, as one line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`)
    .join('; ');
}
