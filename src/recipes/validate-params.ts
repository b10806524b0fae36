/**
 * The only way chat input reaches a recipe: every value is checked against its declared type before it becomes an
 * environment variable. Everything wrong is listed in one UserFacingError.
 */
import { UserFacingError } from '../core/errors.ts';
import { PARAM_RULES } from './param-types.ts';
import type { RecipeFile } from './recipe-schema.ts';

/** Validated parameters, ready to be exported as environment variables on the host. */
export type RecipeEnv = Readonly<Record<string, string>>;

/**
 * Checks `input` (parameter name → value) against `recipe.parameters`: unknown names, missing required values and
 * values that do not match their type are all reported. Defaults fill what was not given.
 * @throws UserFacingError('bad_arguments') listing every problem
 */
export function validateParams(
  recipe: Pick<RecipeFile, 'name' | 'parameters'>,
  input: Readonly<Record<string, unknown>>,
): RecipeEnv {
  const problems: string[] = [];
  const env: Record<string, string> = {};
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(recipe.parameters, key)) problems.push(`${show(key)}: not a parameter of ${recipe.name}`);
  }
  for (const [name, spec] of Object.entries(recipe.parameters)) {
    const given = input[name];
    const value = given === undefined ? spec.default : given;
    if (value === undefined || value === '') {
      if (spec.required && spec.default === undefined) problems.push(`${name}: required (${spec.description})`);
      else env[name] = '';
      continue;
    }
    const problem = checkValue(value, spec.type);
    if (problem) problems.push(`${name}: ${problem}`);
    else env[name] = value as string;
  }
  if (problems.length > 0) {
    throw new UserFacingError('bad_arguments', `${recipe.name}: ${problems.join('; ')}`);
  }
  return env;
}

/** Why `value` is not acceptable as `type`, or undefined when it is. */
export function checkValue(value: unknown, type: keyof typeof PARAM_RULES): string | undefined {
  const rule = PARAM_RULES[type];
  if (typeof value !== 'string') return `must be text, got ${typeof value}`;
  if (value.length > rule.maxLength) return `too long (${value.length} characters, at most ${rule.maxLength})`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${show(value)} contains control characters`;
  if (/[^\x20-\x7e]/.test(value)) return `${show(value)} contains non-ASCII characters (look-alikes are refused)`;
  if (!rule.pattern.test(value)) return `${show(value)} is not ${rule.hint}`;
  return undefined;
}

/** A short, printable rendering of untrusted input for an error message. */
function show(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(cut).replace(/`/g, "'");
}
