/** The zod schema of `commands/<name>/recipe.yaml`. */
import * as z from 'zod';
import { PARAM_NAME, PARAM_TYPES } from './param-types.ts';

const paramSchema = z.strictObject({
  type: z.enum(PARAM_TYPES),
  description: z.string().min(1),
  /** Absent and no default: the caller must give it. */
  required: z.boolean().default(true),
  /** Used when the caller gives nothing; must itself be valid for `type`. */
  default: z.string().optional(),
});

/** What one `recipe.yaml` holds. */
export const recipeFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'lower-case letters, digits and "-"'),
  description: z.string().min(1),
  /** The inventory role a target host must have (`any` for every host). */
  role: z.enum(['master', 'agent', 'any']),
  /** Whole-run deadline in milliseconds. */
  timeoutMs: z.number().int().min(1000).max(3_600_000),
  /** Longest time one step may run before the run is aborted, in milliseconds. Default: `timeoutMs`. */
  stepTimeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
  /** Whether the chat command asks for Confirm / Cancel first. */
  confirm: z.boolean().default(false),
  /** The checklist, in order; each must appear as `step '<name>'` in run.sh. */
  steps: z.array(z.string().regex(/^[a-z][a-z0-9 -]{0,60}$/)).min(1),
  parameters: z.record(z.string().regex(PARAM_NAME, 'upper-case environment variable name'), paramSchema),
});

export type RecipeFile = z.infer<typeof recipeFileSchema>;
