import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { advertiseTaskAddress } from '../lib/app-task';

/**
 * The shell line that API, worker and reporting containers start with, run by a real /bin/sh
 * against a stand-in of the ECS task metadata endpoint (v4 answers the task's networks), with a
 * stand-in program in place of the image's launcher.
 */
let dir: string;
let program: string;
let metadata: Server;
let metadataUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orderflow-advertise-'));
  program = join(dir, 'program');
  writeFileSync(program, '#!/bin/sh\necho "ADVERTISE_HOST=$ADVERTISE_HOST args=$*"\n');
  chmodSync(program, 0o755);
  metadata = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.40.17.23'] }] }));
  });
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/task-id`;
});

afterAll(async () => {
  await new Promise((resolve) => metadata.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const sh = (line: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile('/bin/sh', ['-c', line], { env: { PATH: process.env.PATH, ...env } }, (error, stdout) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });

test("the program starts with the task's IP as ADVERTISE_HOST and its arguments", async () => {
  const result = await sh(advertiseTaskAddress(['worker'], program), { ECS_CONTAINER_METADATA_URI_V4: metadataUrl });
  expect(result).toEqual({ code: 0, stdout: 'ADVERTISE_HOST=10.40.17.23 args=worker\n' });
});

test('without a reachable metadata endpoint the program does not start', async () => {
  const result = await sh(advertiseTaskAddress(['api'], program), { ECS_CONTAINER_METADATA_URI_V4: 'http://127.0.0.1:1/v4/none' });
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
});
