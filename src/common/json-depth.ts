/**
 * Deepest nesting a JSON request body or WebSocket frame may have. The API's own shapes nest at
 * most 4 levels (a run-task's header/payload/parameters); 32 leaves room for clients that wrap
 * them, and keeps recursive mapping (class-transformer, class-validator) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a parsed JSON value nests arrays/objects deeper than `maxDepth` (a scalar has depth 0,
 * `{}` and `[]` depth 1). Walks the value with an explicit stack, so any depth is measured
 * without recursion.
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > maxDepth) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

/** The message of a refused body or frame that nests too deep. */
export function jsonTooDeepMessage(what: string, maxDepth: number = MAX_JSON_DEPTH): string {
  return `${what} nests deeper than ${maxDepth} levels of objects and arrays`;
}
