import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FORMAT = 'orderflow-local-key/1';

export interface LocalKey {
  /** Names the key in the bundle (the raw keyring's key name), so that old and new keys can be told apart. */
  id: string;
  /** 32 bytes (AES-256). */
  material: Uint8Array;
}

/** A new key file's contents: a random AES-256 key and its id. */
export function generateLocalKey(now = new Date()): string {
  const id = `local-${now.toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return `${JSON.stringify({ format: FORMAT, id, key: randomBytes(32).toString('base64') })}\n`;
}

/** Reads a key file made by `secrets keygen`; the error names the file, never its contents. */
export function readLocalKey(path: string): LocalKey {
  let parsed: { format?: unknown; id?: unknown; key?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`key file ${path}: ${code ? `cannot read (${code})` : 'not a key file made by `secrets keygen`'}`);
  }
  const material = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : Buffer.alloc(0);
  if (parsed.format !== FORMAT || typeof parsed.id !== 'string' || material.length !== 32) {
    throw new Error(`key file ${path}: not a key file made by \`secrets keygen\``);
  }
  return { id: parsed.id, material: new Uint8Array(material) };
}
