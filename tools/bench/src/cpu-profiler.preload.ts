import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

/**
 * Loaded into an app under test with `node -r` by `npm run bench -- --profile`: SIGUSR2 starts
 * the V8 CPU profiler, the next SIGUSR2 stops it and writes a .cpuprofile into
 * BENCH_CPU_PROFILE_DIR. Unlike --cpu-prof it profiles exactly one phase, and it needs no clean
 * exit (Nest re-raises SIGTERM, which would lose a --cpu-prof profile).
 */
const dir = process.env.BENCH_CPU_PROFILE_DIR ?? process.cwd();
const session = new Session();
session.connect();
let running = false;
let count = 0;

const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

process.on('SIGUSR2', () => {
  void (async () => {
    if (!running) {
      running = true;
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return;
    }
    running = false;
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    const file = path.join(dir, `${process.env.ORDERFLOW_PROFILE_NAME ?? 'app'}-${process.pid}-${++count}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    writeFileSync(`${file}.done`, '');
  })();
});
