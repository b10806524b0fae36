/** `JSON.parse` that returns undefined for text that is not JSON (Redis content is untrusted; zod checks the rest). */
export function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
