/**
 * The last lines a process printed, bounded so a chatty server cannot grow the launcher's memory.
 * Error messages quote it.
 */
export class LineTail {
  private readonly lines: string[] = [];

  /**
   * @param maxLines lines kept (default 40); older ones are dropped.
   * @param maxLineChars characters kept per line (default 2000); the rest is cut and marked.
   */
  constructor(
    private readonly maxLines = 40,
    private readonly maxLineChars = 2_000,
  ) {}

  push(line: string): void {
    this.lines.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  /** The kept lines, joined with newlines. */
  text(): string {
    return this.lines.join('\n');
  }
}
