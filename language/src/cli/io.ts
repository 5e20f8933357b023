/**
 * Where the CLI writes and what it reads from its environment ({@link CliIo}), and its exit codes.
 * Every command module receives a `CliIo`, so the whole CLI also runs in-process (tests).
 */

/** Where the CLI writes, and what it reads from its environment. */
export interface CliIo {
    /** Writes text to stdout (no newline added). */
    stdout(text: string): void;
    /** Writes text to stderr (no newline added). */
    stderr(text: string): void;
    /** Folder that relative paths are resolved against. */
    cwd: string;
    /** Environment (`VMTOPO_DEBUG`). */
    env: Record<string, string | undefined>;
}

/** Success (warnings and infos allowed). */
export const EXIT_OK = 0;
/** The files have errors (check), or the export was refused. */
export const EXIT_PROBLEMS = 1;
/** Usage error, unusable input or output, internal error. */
export const EXIT_USAGE = 2;

/** The standard streams whose reader went away (EPIPE): nothing more is written to them. */
const closed = new Set<NodeJS.WriteStream>();
let listening = false;

/**
 * The real process's stdout, stderr, working folder and environment.
 *
 * A reader that stops early — `vmtopo check big.vmtopo | head -1` — closes the pipe; the next write
 * fails with EPIPE, which Node reports as an `error` event on the stream (and, unhandled, as a crash
 * with a stack trace). Here that error ends the stream's output quietly: nothing more is written to
 * it, no message is printed, and the command's exit code stands. Any other stream error is thrown
 * as before.
 */
export function processIo(): CliIo {
    if (!listening) {
        listening = true;
        for (const stream of [process.stdout, process.stderr]) {
            stream.on('error', (err: NodeJS.ErrnoException) => {
                if (err.code !== 'EPIPE') throw err;
                closed.add(stream);
            });
        }
    }
    return {
        stdout: text => { if (!closed.has(process.stdout)) process.stdout.write(text); },
        stderr: text => { if (!closed.has(process.stderr)) process.stderr.write(text); },
        cwd: process.cwd(),
        env: process.env
    };
}
