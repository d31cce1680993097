/** `text` with every character that has a meaning in a regular expression escaped. */
export function escapeForRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
