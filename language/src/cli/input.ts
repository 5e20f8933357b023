/**
 * Reading the CLI's input files. Every way a path can be unusable (missing, a directory, unreadable,
 * not UTF-8, not a `.vmtopo` file) becomes an {@link InputError} with a one-line reason, so that the
 * CLI prints `vmtopo: cannot read FILE: REASON` and exits 2 instead of showing a stack trace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapePath, escapeText } from '../kernel/text.js';

/** The extension of vmtopo files (the language's only file extension, see langium-config.json). */
export const VMTOPO_EXTENSION = '.vmtopo';

/** An input file that was read and decoded. */
export interface InputFile {
    /** The path as the user gave it on the command line (used in messages and diagnostics). */
    readonly given: string;
    /** The absolute path. */
    readonly absolute: string;
    /** The text, decoded as UTF-8 (a byte-order mark is dropped). */
    readonly text: string;
}

/**
 * A file the CLI cannot use; `message` is the whole line to print (without the `vmtopo: ` prefix),
 * with the path escaped (`escapePath`: a newline in a file name is printed as `\n`). `file` is the
 * path as given, unescaped.
 */
export class InputError extends Error {
    constructor(readonly file: string, readonly reason: string) {
        super(`cannot read ${escapePath(file)}: ${escapeText(reason)}`);
        this.name = 'InputError';
    }
}

/**
 * Reads one input file, relative paths resolved against `cwd`.
 *
 * Checks, in this order: the path exists (`no such file`), it is not a directory (`is a directory`),
 * it is a regular file, its name ends in `.vmtopo` (`not a .vmtopo file`), it can be read
 * (`permission denied`), and its bytes are valid UTF-8 (`not UTF-8 text`; checked with a fatal
 * `TextDecoder` before the text reaches Langium, which would otherwise parse replacement characters).
 *
 * @throws InputError when any check fails.
 */
export function readInputFile(given: string, cwd: string = process.cwd()): InputFile {
    const absolute = path.resolve(cwd, given);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(absolute);
    } catch (err) {
        throw new InputError(given, describeFsError(err));
    }
    if (stat.isDirectory()) throw new InputError(given, 'is a directory');
    if (!stat.isFile()) throw new InputError(given, 'not a regular file');
    if (path.extname(absolute) !== VMTOPO_EXTENSION) {
        throw new InputError(given, `not a ${VMTOPO_EXTENSION} file`);
    }
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(absolute);
    } catch (err) {
        throw new InputError(given, describeFsError(err));
    }
    let text: string;
    try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
        throw new InputError(given, `not UTF-8 text (invalid byte sequence on line ${firstInvalidUtf8Line(bytes)})`);
    }
    return { given, absolute, text };
}

/**
 * Reads every file (see {@link readInputFile}); a path given twice is read once.
 * @throws InputError for the first file that cannot be used.
 */
export function readInputFiles(given: readonly string[], cwd: string = process.cwd()): InputFile[] {
    const seen = new Set<string>();
    const out: InputFile[] = [];
    for (const file of given) {
        const input = readInputFile(file, cwd);
        if (seen.has(input.absolute)) continue;
        seen.add(input.absolute);
        out.push(input);
    }
    return out;
}

/** `ENOENT` → `no such file`, `EACCES` → `permission denied`, …; anything else: the error's message. */
function describeFsError(err: unknown): string {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    switch (code) {
        case 'ENOENT': return 'no such file';
        case 'ENOTDIR': return 'no such file (a parent is not a directory)';
        case 'EISDIR': return 'is a directory';
        case 'EACCES':
        case 'EPERM': return 'permission denied';
        case 'ELOOP': return 'too many symbolic links';
        case 'ENAMETOOLONG': return 'file name too long';
        default:
            // The whole message, escaped (`InputError`): cutting it at a newline would cut a path.
            return err instanceof Error ? err.message : String(err);
    }
}

/**
 * Line (1-based) of the first byte that is not part of a well-formed UTF-8 sequence (Unicode 15,
 * Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function firstInvalidUtf8Line(bytes: Uint8Array): number {
    let line = 1;
    let i = 0;
    while (i < bytes.length) {
        const b = bytes[i];
        if (b < 0x80) {
            if (b === 0x0a) line++;
            i++;
            continue;
        }
        // [length, lowest and highest allowed second byte] of the sequence that `b` starts.
        const shape: [number, number, number] | undefined =
            b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf] :
            b === 0xe0 ? [3, 0xa0, 0xbf] :
            b === 0xed ? [3, 0x80, 0x9f] :
            b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf] :
            b === 0xf0 ? [4, 0x90, 0xbf] :
            b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] :
            b === 0xf4 ? [4, 0x80, 0x8f] : undefined;
        if (!shape || i + shape[0] > bytes.length) return line;
        const [length, lo, hi] = shape;
        if (bytes[i + 1] < lo || bytes[i + 1] > hi) return line;
        for (let k = 2; k < length; k++) {
            if ((bytes[i + k] & 0xc0) !== 0x80) return line;
        }
        i += length;
    }
    return line;
}
