/**
 * Where the CLI writes and what it reads from its environment ({@link CliIo}), and its exit codes.
 * Every command module receives a `CliIo`, so the whole CLI also runs in-process (tests).
 */
import * as fs from 'node:fs';

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
const closed = new Set<NodeJS.WriteStream | number>();
let listening = false;

/**
 * The real process's stdout, stderr, working folder and environment.
 *
 * Output is written with `fs.writeSync` on file descriptors 1 and 2 (on Windows, where a console
 * wants Node's stream, through `process.stdout` and `process.stderr`): Node's stream for a pipe is a
 * `net.Socket`, and creating it loads the stream and socket modules, about 6 ms of a cold
 * `vmtopo check` (bench/run.mjs, `cli`). Node's own streams write synchronously to files, and to
 * pipes on Linux, too (https://nodejs.org/api/process.html#a-note-on-process-io).
 *
 * A reader that stops early — `vmtopo check big.vmtopo | head -1` — closes the pipe; the next write
 * fails with EPIPE (as an exception from `writeSync`, or an `error` event on a stream, which
 * unhandled would crash with a stack trace). Here that error ends that output quietly: nothing more
 * is written to it, no message is printed, and the command's exit code stands. Any other write error
 * is thrown as before.
 */
export function processIo(): CliIo {
    if (process.platform !== 'win32') {
        return {
            stdout: text => writeFd(1, text),
            stderr: text => writeFd(2, text),
            cwd: process.cwd(),
            env: process.env
        };
    }
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

/**
 * Writes all of `text` (UTF-8) to file descriptor `fd`, synchronously, unless its reader went away.
 * A partial write goes on from where it stopped; EAGAIN (a non-blocking pipe that is full) waits
 * 1 ms and tries again; EPIPE marks `fd` closed.
 * @throws any other write error (EBADF, ENOSPC, EIO …).
 */
function writeFd(fd: number, text: string): void {
    if (closed.has(fd)) return;
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
        try {
            offset += fs.writeSync(fd, bytes, offset);
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'EPIPE') {
                closed.add(fd);
                return;
            }
            if (code !== 'EAGAIN') throw err;
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        }
    }
}
