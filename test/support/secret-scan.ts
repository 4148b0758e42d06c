import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files at or under `path` (recursively) that contain any of `secrets`, as "file: first letters
 * of the secret". Unreadable or vanished entries are skipped.
 */
export function filesContaining(path: string, secrets: readonly string[], maxBytes = 64 * 1024 * 1024): string[] {
  const hits: string[] = [];
  const scanFile = (file: string) => {
    try {
      if (statSync(file).size > maxBytes) return;
      // latin1 keeps every byte: a secret is found in binary files (WAL, heap pages) too.
      const content = readFileSync(file).toString('latin1');
      for (const secret of secrets) if (content.includes(secret)) hits.push(`${file}: ${secret.slice(0, 4)}...`);
    } catch {
      // vanished or unreadable
    }
  };
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) scanFile(full);
    }
  };
  if (statSync(path).isDirectory()) visit(path);
  else scanFile(path);
  return hits;
}

/** Regular files directly in `dir` modified since `since` (ms epoch), for scanning the shared temp folder. */
export function filesModifiedSince(dir: string, since: number): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(dir, entry.name))
    .filter((file) => {
      try {
        return statSync(file).mtimeMs >= since;
      } catch {
        return false;
      }
    });
}
