/**
 * A deadline on a wait: settles like `promise`, or rejects once `deadlineMs` has passed without it settling, so a
 * test that would otherwise hang fails with a sentence. Not a measurement: give generous deadlines (many times what
 * the wait normally takes), and assert the behaviour itself (error kind, order, call counts), never the time.
 */
export function within<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline: ${what} did not settle within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
