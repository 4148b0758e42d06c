import { ConfigError } from '@orderflow/config/app-config';

/** Runs a command-line program: clean message and exit code on failure, no stack for config errors. */
export function runCli(main: () => Promise<void>): Promise<void> {
  return main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(78);
      }
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
