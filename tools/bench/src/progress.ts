import { SingleBar } from 'cli-progress';

/** A progress bar on stderr while a phase runs (only on a terminal: CI logs get one line per phase). */
export class PhaseProgress {
  private bar: SingleBar | undefined;
  private readonly tty = Boolean(process.stderr.isTTY);

  start(phase: string, total: number, unit: string): void {
    this.stop();
    if (!this.tty) return;
    this.bar = new SingleBar({
      format: `${phase.padEnd(22)} [{bar}] {percentage}% | {value}/{total} ${unit} | {status}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
      fps: 5,
    });
    this.bar.start(total, 0, { status: '' });
  }

  update(value: number, status = ''): void {
    this.bar?.update(value, { status });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
