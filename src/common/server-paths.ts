/**
 * An absolute POSIX path inside a text: a `/` not preceded by a word character, a dot, a colon or
 * another `/` (so URLs and relative paths stay), then one or more path segments.
 */
const ABSOLUTE_PATH = /(?<![\w.:/])(?:\/[^\s/'"()[\],;]+)+\/?/g;

/**
 * `text` with every absolute server path reduced to its last component (the file or directory
 * name), for messages a client reads: where the service keeps its files is not the client's
 * business, while the name of the file at fault and the command that fixes it are.
 */
export function withoutServerPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (path) => path.split('/').filter(Boolean).at(-1) ?? path);
}
