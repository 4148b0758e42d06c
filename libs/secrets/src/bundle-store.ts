import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BundleRejected } from './envelope';

export type BundleLocation = { kind: 's3'; bucket: string; key: string; url: string } | { kind: 'file'; path: string; url: string };

export function parseLocation(url: string): BundleLocation {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (s3) return { kind: 's3', bucket: s3[1], key: s3[2], url };
  if (url.startsWith('s3://')) throw new Error(`${url}: expected s3://BUCKET/KEY`);
  return { kind: 'file', path: resolve(url), url };
}

/** The bundle's name in its encryption context: the object's file name up to its first dot. */
export function bundleNameOf(location: BundleLocation): string {
  return basename(location.kind === 's3' ? location.key : location.path).split('.')[0];
}

/** Reads and writes encrypted bundles (ciphertext only) on S3 or the local disk. */
export class BundleStore {
  #s3?: S3Client;

  constructor(private readonly aws: { region: string; s3Endpoint?: string }) {}

  private get s3(): S3Client {
    this.#s3 ??= new S3Client({ region: this.aws.region, endpoint: this.aws.s3Endpoint, forcePathStyle: this.aws.s3Endpoint !== undefined });
    return this.#s3;
  }

  async read(location: BundleLocation): Promise<Uint8Array> {
    if (location.kind === 'file') {
      try {
        return await readFile(location.path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new BundleRejected(code === 'ENOENT' ? 'missing: no such file' : `cannot read the file (${code ?? 'error'})`);
      }
    }
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return await response.Body!.transformToByteArray();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NoSuchKey' || name === 'NotFound') throw new BundleRejected('missing: no such object');
      if (name === 'NoSuchBucket') throw new BundleRejected(`missing: no bucket ${location.bucket}`);
      throw new BundleRejected(`cannot read from S3 (${name}: ${(error as Error).message})`);
    }
  }

  /** Replaces the bundle whole: readers see the old or the new one, never a part. */
  async write(location: BundleLocation, ciphertext: Uint8Array): Promise<void> {
    if (location.kind === 's3') {
      await this.s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: ciphertext, ContentType: 'application/octet-stream' }));
      return;
    }
    const temporary = join(dirname(location.path), `.${basename(location.path)}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(temporary, ciphertext, { mode: 0o600 });
    await rename(temporary, location.path);
  }

  destroy(): void {
    this.#s3?.destroy();
  }
}
