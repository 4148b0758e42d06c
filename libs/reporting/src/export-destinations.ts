import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Where an export goes. Nothing appears under the final name until `commit`: a file is written
 * beside it and renamed, an S3 object is a multipart upload completed only at the end (and
 * aborted on failure). An interrupted export therefore never leaves a partial file or object.
 * Standard output (`-`), pipes and devices are written as they are.
 */
export interface ExportDestination {
  /** file path or s3://bucket/key */
  readonly name: string;
  readonly stream: Writable;
  /** Call after `stream` has finished: publishes the export under its final name. */
  commit(): Promise<void>;
  /** Call on failure: removes whatever was written. Safe to call more than once. */
  abort(): Promise<void>;
}

export interface S3Settings {
  region: string;
  /** An emulator's endpoint; unset means real AWS. */
  endpoint?: string;
}

const S3_URL = /^s3:\/\/([^/]+)\/(.+)$/;

export function isS3Url(out: string): boolean {
  return out.startsWith('s3://');
}

export function parseS3Url(out: string): { bucket: string; key: string } | null {
  const match = S3_URL.exec(out);
  return match ? { bucket: match[1], key: match[2] } : null;
}

export async function openDestination(out: string, contentType: string, s3: S3Settings): Promise<ExportDestination> {
  if (out === '-') return streamDestination('standard output', process.stdout);
  if (!isS3Url(out)) {
    // A pipe, a device or /dev/stdout cannot be replaced by a rename: write to it as it is.
    const existing = await stat(out).catch(() => null);
    return existing && !existing.isFile() ? streamDestination(out, createWriteStream(out)) : fileDestination(out);
  }
  const target = parseS3Url(out);
  if (!target) throw new Error(`--out ${out}: expected s3://bucket/key`);
  // Loaded only for S3: the SDK is a good part of a small process's memory.
  const [{ S3Client }, { Upload }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
  const client = new S3Client({ region: s3.region, endpoint: s3.endpoint, forcePathStyle: s3.endpoint !== undefined });
  return s3Destination(client, Upload, target.bucket, target.key, contentType);
}

/** Nothing to publish or take back: a consumer reads it as it comes. */
function streamDestination(name: string, stream: Writable): ExportDestination {
  return { name, stream, commit: async () => undefined, abort: async () => undefined };
}

function fileDestination(path: string): ExportDestination {
  // Same directory, so that the rename is atomic; the dot keeps it out of naive globs.
  const partial = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  const stream = createWriteStream(partial, { flags: 'wx', highWaterMark: 256 * 1024 });
  return {
    name: path,
    stream,
    commit: () => rename(partial, path),
    abort: async () => {
      stream.destroy();
      await rm(partial, { force: true });
    },
  };
}

/** Parts of 8 MiB, two in flight: at most ~16 MiB buffered whatever the export's size. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

function s3Destination(
  client: S3Client,
  Upload: typeof import('@aws-sdk/lib-storage').Upload,
  bucket: string,
  key: string,
  contentType: string,
): ExportDestination {
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  // leavePartsOnError false: a failed body or part aborts the multipart upload, so S3 keeps nothing.
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
    partSize: PART_SIZE,
    queueSize: PARTS_IN_FLIGHT,
    leavePartsOnError: false,
  });
  const uploaded = upload.done();
  // A failed upload stops reading the body: fail the export instead of waiting on backpressure forever.
  uploaded.catch((error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))));
  let settled = false;
  return {
    name: `s3://${bucket}/${key}`,
    stream: body,
    commit: async () => {
      try {
        await uploaded;
      } finally {
        settled = true;
        client.destroy();
      }
    },
    abort: async () => {
      if (settled) return;
      settled = true;
      // A body that errors makes the upload abort its multipart upload; wait until it has.
      if (!body.destroyed) body.destroy(new Error('export aborted'));
      await uploaded.catch(() => undefined);
      client.destroy();
    },
  };
}
