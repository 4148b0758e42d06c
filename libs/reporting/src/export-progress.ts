import { SingleBar } from 'cli-progress';
import { ExportCounts } from './export-encoders';

/** Shows how far an export is: a bar on a terminal, plain lines in logs and pipes. */
export interface ExportProgress {
  start(totalOrders: number, counts: ExportCounts): void;
  stop(): void;
}

const POLL_MS = 200;
/** Plain lines: one at every tenth of the orders, and at least this often. */
const LINE_EVERY_MS = 10_000;

export function exportProgress(output: NodeJS.WriteStream): ExportProgress {
  return output.isTTY ? new ProgressBar(output) : new ProgressLines(output);
}

class ProgressBar implements ExportProgress {
  private bar?: SingleBar;
  private timer?: NodeJS.Timeout;
  private refresh = () => undefined as void;

  constructor(private readonly output: NodeJS.WriteStream) {}

  start(totalOrders: number, counts: ExportCounts): void {
    const started = Date.now();
    this.bar = new SingleBar({
      stream: this.output,
      format: 'exporting |{bar}| {percentage}% | {value}/{total} orders | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
      barsize: 30,
      hideCursor: true,
      etaBuffer: 50,
    });
    this.bar.start(totalOrders, 0, { rows: 0, rate: 0 });
    this.refresh = () => this.bar!.update(counts.orders, { rows: counts.rows, rate: rate(counts.rows, started) });
    this.timer = setInterval(this.refresh, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.refresh(); // the bar's last state is where the export ended
    this.bar?.stop();
  }
}

class ProgressLines implements ExportProgress {
  private timer?: NodeJS.Timeout;

  constructor(private readonly output: NodeJS.WriteStream) {}

  start(totalOrders: number, counts: ExportCounts): void {
    const started = Date.now();
    let nextTenth = 1;
    let lastLine = started;
    this.output.write(`exporting ${totalOrders} orders\n`);
    this.timer = setInterval(() => {
      const tenth = totalOrders > 0 ? Math.floor((counts.orders * 10) / totalOrders) : 0;
      if (tenth < nextTenth && Date.now() - lastLine < LINE_EVERY_MS) return;
      nextTenth = Math.max(nextTenth, tenth + 1);
      lastLine = Date.now();
      const percent = totalOrders > 0 ? Math.floor((counts.orders * 100) / totalOrders) : 100;
      this.output.write(`progress: ${counts.orders}/${totalOrders} orders (${percent}%), ${counts.rows} rows, ${rate(counts.rows, started)} rows/s\n`);
    }, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function rate(rows: number, started: number): number {
  const seconds = (Date.now() - started) / 1000;
  return seconds > 0 ? Math.round(rows / seconds) : 0;
}
