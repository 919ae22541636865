// Thread addresses (`main`, `t<n>.<incarnation>`) name systems inside one process, so they mean nothing on
// another member. When a ref to an actor on a worker thread crosses a member boundary it travels as the
// member's address with a qualified path: `@<thread address><path>`, e.g. `@t2.1/user/runner`. The member
// that owns the thread routes a qualified path to that thread; every other member treats it as an opaque
// path on the owning member. docs/cluster.md, "Actors on worker threads".

/** addresses of one process's systems: main and its threads */
export const THREAD_ADDRESS = /^(main|t\d+\.\d+)$/;

/** `THREAD_ADDRESS.test(address)` without the regular expression: it runs for every ref a cluster frame carries
 *  and every address a thread network resolves, where the regex showed in profiles of a remote ask. */
export function isThreadAddress(address: string): boolean {
  const n = address.length;
  if (address.charCodeAt(0) !== 116 /* t */) return address === 'main';
  if (n < 4) return false;
  let i = 1;
  while (i < n && isDigit(address.charCodeAt(i))) i++;
  if (i === 1 || i >= n - 1 || address.charCodeAt(i) !== 46 /* . */) return false;
  for (i++; i < n; i++) if (!isDigit(address.charCodeAt(i))) return false;
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `@t2.1/user/x` for (t2.1, /user/x) */
export function qualifyPath(threadAddress: string, path: string): string {
  return `@${threadAddress}${path}`;
}

/** The thread address and the path inside it of a qualified path, or null when `path` is a plain one. */
export function parseQualifiedPath(path: string): { readonly address: string; readonly path: string } | null {
  if (path.charCodeAt(0) !== 64 /* @ */) return null;
  const slash = path.indexOf('/');
  if (slash < 2) return null;
  const address = path.slice(1, slash);
  return isThreadAddress(address) ? { address, path: path.slice(slash) } : null;
}
