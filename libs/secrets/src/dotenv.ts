/** A variable name as the configuration uses them. */
const NAME = /^[A-Z_][A-Z0-9_]*$/;

export class DotenvError extends Error {}

/**
 * Parses `NAME=value` lines (blank lines and `#` comments allowed; one pair of surrounding
 * quotes is removed; no escapes, no interpolation). Errors name the line, never its value.
 */
export function parseDotenv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const name = (equals < 0 ? line : line.slice(0, equals)).trim();
    if (equals < 0 || !NAME.test(name)) {
      throw new DotenvError(`line ${index + 1}: expected NAME=value with an upper-case NAME`);
    }
    if (values.has(name)) throw new DotenvError(`line ${index + 1}: ${name} is set twice`);
    let value = line.slice(equals + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    values.set(name, value);
  });
  return values;
}

/** The inverse of parseDotenv for values without line breaks. */
export function formatDotenv(values: ReadonlyMap<string, string>): string {
  return [...values].map(([name, value]) => {
    if (/[\r\n]/.test(value)) throw new DotenvError(`${name}: a value cannot span lines`);
    return `${name}=${value}\n`;
  }).join('');
}
