/**
 * Loads every `commands/<name>/` at start: `recipe.yaml` validated with zod, `run.sh` checked against it. A bad
 * recipe stops the bot with a message naming the file and the field.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { PermanentError } from '../core/errors.ts';
import { PARAM_RULES } from './param-types.ts';
import { recipeFileSchema, type RecipeFile } from './recipe-schema.ts';
import { compareText } from '../core/text.ts';

/** A validated recipe with the script to stream to the host (shared library first, then run.sh). */
export interface Recipe extends RecipeFile {
  /** `commands/lib.sh` (when present) followed by `run.sh`. */
  script: string;
  /** The folder it was loaded from. */
  dir: string;
}

/** Names reserved for the runner; a recipe may not declare them. */
const RESERVED = new Set(['DRY_RUN', 'PATH', 'HOME', 'IFS', 'SHELL', 'USER', 'LANG', 'LC_ALL']);

/** Reads and validates every recipe under `commandsDir` (a path or file URL). Throws PermanentError('config'). */
export function loadRecipes(commandsDir: string | URL): Map<string, Recipe> {
  const dir = typeof commandsDir === 'string' ? commandsDir : fileURLToPath(commandsDir);
  const libPath = join(dir, 'lib.sh');
  const lib = existsSync(libPath) ? readFileSync(libPath, 'utf8') : '';
  const recipes = new Map<string, Recipe>();
  const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
  for (const folder of folders.sort((a, b) => compareText(a.name, b.name))) {
    const recipe = loadRecipe(join(dir, folder.name), folder.name, lib);
    recipes.set(recipe.name, recipe);
  }
  if (recipes.size === 0) throw configError(dir, 'no recipes found (expected commands/<name>/recipe.yaml)');
  return recipes;
}

/** Loads one recipe folder; `lib` is the shared shell library placed before run.sh. */
export function loadRecipe(folder: string, folderName: string, lib = ''): Recipe {
  const yamlPath = join(folder, 'recipe.yaml');
  const runPath = join(folder, 'run.sh');
  if (!existsSync(yamlPath)) throw configError(yamlPath, 'file missing');
  if (!existsSync(runPath)) throw configError(runPath, 'file missing');
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(yamlPath, 'utf8'));
  } catch (err) {
    throw configError(yamlPath, `not valid YAML: ${(err as Error).message}`);
  }
  const parsed = recipeFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw configError(yamlPath, issues.join('; '));
  }
  const file = parsed.data;
  if (file.name !== folderName) throw configError(yamlPath, `name: "${file.name}" must equal the folder name "${folderName}"`);
  checkParameters(yamlPath, file);
  const run = readFileSync(runPath, 'utf8');
  checkScript(runPath, run, file);
  return { ...file, script: lib ? `${lib}\n${run}` : run, dir: folder };
}

function checkParameters(yamlPath: string, file: RecipeFile): void {
  for (const [name, spec] of Object.entries(file.parameters)) {
    if (RESERVED.has(name)) throw configError(yamlPath, `parameters.${name}: reserved name`);
    const rule = PARAM_RULES[spec.type];
    if (spec.default !== undefined && spec.default !== '' && !rule.pattern.test(spec.default)) {
      throw configError(yamlPath, `parameters.${name}.default: "${spec.default}" is not ${rule.hint}`);
    }
  }
}

function checkScript(runPath: string, run: string, file: RecipeFile): void {
  if (!/^set -eu/m.test(run)) throw configError(runPath, 'must contain "set -eu"');
  for (const step of file.steps) {
    if (!run.includes(`step '${step}'`) && !run.includes(`step "${step}"`)) {
      throw configError(runPath, `steps: "${step}" is declared in recipe.yaml but never marked with step '${step}'`);
    }
  }
}

function configError(path: string, message: string): PermanentError {
  return new PermanentError('config', `bad recipe ${path}: ${message}`);
}
