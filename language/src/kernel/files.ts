/**
 * File writes of the exports and `vmtopo graph`: atomic writes through a temporary file in the
 * target's folder, cleanup of the temporary files a killed export left, and one-line descriptions
 * of file-system errors. Imports nothing of the project but `text.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { escapeText, shortText } from './text.js';

/** Longest file name Linux allows (NAME_MAX), in bytes. */
export const NAME_MAX_BYTES = 255;

/** A Node file-system error (it has an errno `code` and a `syscall`). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
    const e = err as NodeJS.ErrnoException | undefined;
    return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/**
 * One escaped line for an error: for a file-system error its code and description without the
 * paths Node appends (`EACCES: permission denied`), else its message.
 */
export function describeError(err: unknown): string {
    if (isFsError(err)) {
        const message = err.message ?? '';
        const cut = message.indexOf(`, ${err.syscall}`);
        return escapeText(cut > 0 ? message.slice(0, cut) : err.code!);
    }
    return shortText(err instanceof Error ? err.message : String(err), 300);
}

/**
 * Creates `dir` and its missing parents one level at a time. Unlike `mkdirSync({ recursive: true })`,
 * which never returns for some pseudo file systems (`-o /proc/x` spun forever), every failure here
 * is a plain fs error (ENOTDIR, EACCES, ENOENT…).
 */
function ensureDirectory(dir: string): void {
    const missing: string[] = [];
    let current = path.resolve(dir);
    while (!fs.existsSync(current)) {
        missing.unshift(current);
        const parent = path.dirname(current);
        if (parent === current) break;
        current = parent;
    }
    for (const d of missing) fs.mkdirSync(d);
}

/** The last part of every temporary file name of {@link writeFileAtomic}. */
export const TEMP_SUFFIX = '.vmtopo-tmp';
/** Longest `<pid>.<8 hex>.vmtopo-tmp` a temporary file name ends with (a pid has at most 10 digits). */
const TEMP_TAIL_MAX_BYTES = 10 + 1 + 8 + TEMP_SUFFIX.length;

/**
 * The start of the temporary file names for the target named `base`: `.<base>.`, or — when that
 * would make a name longer than {@link NAME_MAX_BYTES} — `.<first bytes of base>~<8 hex of its
 * SHA-256>.` (cut at a character boundary). The same target always gets the same prefix.
 */
export function tempFilePrefix(base: string): string {
    const plain = `.${base}.`;
    if (Buffer.byteLength(plain, 'utf8') + TEMP_TAIL_MAX_BYTES <= NAME_MAX_BYTES) return plain;
    const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
    const room = NAME_MAX_BYTES - TEMP_TAIL_MAX_BYTES - `.~${hash}.`.length;
    let cut = '';
    let bytes = 0;
    for (const ch of base) {
        const size = Buffer.byteLength(ch, 'utf8');
        if (bytes + size > room) break;
        cut += ch;
        bytes += size;
    }
    return `.${cut}~${hash}.`;
}

/**
 * The temporary file name for the target named `base`, written by the process `pid`:
 * `<tempFilePrefix(base)><pid>.<8 random hex>.vmtopo-tmp`, at most {@link NAME_MAX_BYTES} bytes.
 */
export function tempFileName(base: string, pid: number = process.pid): string {
    return `${tempFilePrefix(base)}${pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
}

/** Whether a process with this pid exists (`kill(pid, 0)`: only ESRCH means it does not). */
function processExists(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code !== 'ESRCH';
    }
}

/**
 * Removes, in `dir`, the temporary files that {@link writeFileAtomic} left for the target named
 * `base` (or for each of several targets) when its process was killed: regular files named
 * `<tempFilePrefix(base)><pid>.<8 hex>.vmtopo-tmp` whose pid is not this process and is not a live
 * process. Nothing else is touched: not the temporary files of other targets, not those of live
 * processes, not links or folders with such names. Best effort: a file that cannot be listed or
 * removed is left. Returns the names removed. The folder is listed once, whatever the number of
 * targets (an export of a whole fleet asks for all of its files at once: listing the folder again
 * for each of 2,560 files took 1.5 s).
 */
export function removeStaleTempFiles(dir: string, base: string | Iterable<string>): string[] {
    const prefixes = new Set(typeof base === 'string' ? [tempFilePrefix(base)] : [...base].map(tempFilePrefix));
    // `<prefix><pid>.<8 hex>.vmtopo-tmp`: a prefix ends with '.' and a pid has no '.', so the '.'
    // before the pid is the only place a temporary file name can split into a prefix and its tail.
    const tail = /\.(\d{1,10})\.[0-9a-f]{8}\.vmtopo-tmp$/;
    const removed: string[] = [];
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return removed;
    }
    for (const name of names) {
        if (!name.endsWith(TEMP_SUFFIX)) continue;
        const m = tail.exec(name);
        if (!m || !prefixes.has(name.slice(0, m.index + 1))) continue;
        const pid = Number(m[1]);
        if (!Number.isSafeInteger(pid) || pid < 1 || pid > 0x7fffffff || pid === process.pid || processExists(pid)) continue;
        const file = path.join(dir, name);
        try {
            if (!fs.lstatSync(file).isFile()) continue;
            fs.unlinkSync(file);
            removed.push(name);
        } catch {
            // Gone already, or not ours to remove: leave it.
        }
    }
    return removed;
}

/**
 * Writes `content` (UTF-8) to `file` atomically: a temporary file in the same folder
 * ({@link tempFileName}: `.<name>.<pid>.<random>.vmtopo-tmp`), then a rename over the target, so
 * readers see the old or the new file, never a partial one. Creates the folder; first removes the
 * temporary files a killed export left for this same target ({@link removeStaleTempFiles}; not with
 * `staleTempFilesRemoved`, when the caller has removed them already); removes its own temporary file
 * if writing fails. A target that is a symbolic link is replaced, not written through.
 *
 * @throws the file-system error (EACCES, ENOSPC, ENOTDIR, EISDIR…) when the folder or the file
 *   cannot be written; the old target, if any, is then unchanged.
 */
export function writeFileAtomic(file: string, content: string, options: { staleTempFilesRemoved?: boolean } = {}): void {
    const dir = path.dirname(file);
    const base = path.basename(file);
    ensureDirectory(dir);
    // (exportFiles removes the leftovers of all its targets first, one listing per folder.)
    if (!options.staleTempFilesRemoved) removeStaleTempFiles(dir, base);
    const tmp = path.join(dir, tempFileName(base));
    try {
        fs.writeFileSync(tmp, content, { encoding: 'utf8', flag: 'wx' });
        fs.renameSync(tmp, file);
    } catch (err) {
        try {
            fs.rmSync(tmp, { force: true });
        } catch {
            // The write's error is the one to report.
        }
        throw err;
    }
}
