/**
 * The last line of defence for logs: every value that came from a secret bundle is replaced in
 * each serialised log line, whatever field or error message carried it. Values shorter than
 * MIN_LENGTH (flags, ports) are not secrets worth the false positives.
 */
const MIN_LENGTH = 6;
const secrets = new Set<string>();

function forms(value: string): string[] {
  const found = [value, JSON.stringify(value).slice(1, -1)];
  try {
    // A password inside a connection URL, as it appears in the URL and decoded.
    const { password } = new URL(value);
    if (password) found.push(password, decodeURIComponent(password));
  } catch {
    // not a URL
  }
  return found.filter((form) => form.length >= MIN_LENGTH);
}

export function registerSecretValues(values: Iterable<string>): void {
  for (const value of values) for (const form of forms(value)) secrets.add(form);
}

export function scrubSecrets(line: string): string {
  let scrubbed = line;
  for (const secret of secrets) if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed;
}
