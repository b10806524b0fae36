import { fileURLToPath } from 'node:url';

/** `<repo>/../shared/fixtures/upstream/` — the upstream payload fixtures beside a fresh clone. */
export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/upstream/', import.meta.url));
