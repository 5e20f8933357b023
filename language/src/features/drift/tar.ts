/**
 * The tar files `vmtopo-collect.sh` writes (`tar -cf`: GNU tar's default format, or any POSIX.1-1988
 * ustar / POSIX.1-2001 pax archive), read in memory with tar-stream's `extract()`
 * (https://github.com/mafintosh/tar-stream) after gzip is inflated with Node's zlib. This module is an
 * adapter: tar-stream parses the headers (checksum, ustar prefix, GNU long names `L`, pax `path` and
 * `size` records); here every limit and rule of a bundle is checked on each header before a byte of
 * its data is read. The format: POSIX.1-2017 `pax`
 * (https://pubs.opengroup.org/onlinepubs/9799919799/utilities/pax.html, "ustar Interchange Format"
 * and "pax Interchange Format"); GNU's extensions (https://www.gnu.org/software/tar/manual/html_node/Standard.html).
 *
 * Refused, each with one {@link TarError} line naming the entry where there is one:
 * - not tar: a header whose checksum does not match, one that is neither ustar nor GNU (tar-stream's
 *   `Invalid tar header…` errors), a size field that is not a number;
 * - truncated: an entry whose data runs past the end of the input (checked from the header's size
 *   and the input's length, before tar-stream reports `Unexpected end of data`), and an archive that
 *   stops without the two zero blocks that close it (tar-stream accepts that, so it is checked here
 *   from the end of the last entry); an input that ends inside a header (tar-stream's
 *   `Unexpected end of data` anywhere else) is reported as the latter;
 * - an entry after a zero block (the archive's end: tar-stream skips zero blocks and reads on), and
 *   anything but zeros after the end that is not a valid header (tar-stream reads it as one);
 * - anything but regular files and folders: hard and symbolic links, devices, FIFOs, unknown types;
 *   and a folder entry with data;
 * - an absolute path, or one with a `..`, `.` or empty segment;
 * - a name that is not UTF-8 (see {@link decodeName});
 * - more than {@link TarLimits.maxEntries} entries, an entry bigger than {@link TarLimits.maxEntryBytes}
 *   (from its header, before its data is read), a total over {@link TarLimits.maxTotalBytes};
 * - a pax or GNU long-name header over 4 MiB (tar-stream's bound).
 */
import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { extract, type ExtractEvents, type Header } from 'tar-stream';

const BLOCK = 512;

/** One entry as tar-stream gives it: its header, `offset` (of the header, bytes) and its data as a stream. */
type Entry = ExtractEvents['entry'][1];

/** Bounds of what an archive may hold (bytes, after decompression). */
export interface TarLimits {
    readonly maxEntries: number;
    readonly maxEntryBytes: number;
    readonly maxTotalBytes: number;
}

/** A bundle of a big host is a few MiB (lstopo's XML, one dumpxml per domain): these leave a wide margin. */
export const DEFAULT_TAR_LIMITS: TarLimits = { maxEntries: 20_000, maxEntryBytes: 32 * 1024 * 1024, maxTotalBytes: 128 * 1024 * 1024 };

/** A regular file of the archive: its path (`/`-separated, no leading `./`) and bytes. */
export interface TarFile {
    readonly path: string;
    readonly data: Uint8Array;
}

/** Why an archive was refused: one line. */
export class TarError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'TarError';
    }
}

const NO_END = 'truncated: the archive ends without its two closing zero blocks';

/**
 * The regular files of a tar archive (gzip-compressed or not), in archive order; folders are
 * skipped. `limits` bound the entries (count) and their sizes (bytes, after decompression).
 * @throws TarError (see the module comment); the promise is rejected with it.
 */
export async function readTar(input: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): Promise<TarFile[]> {
    const bytes = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? gunzip(input, limits) : input;
    // Names are decoded as latin1 (one character per byte) so that decodeName sees the header's bytes.
    const entries = extract({ filenameEncoding: 'latin1' } as Parameters<typeof extract>[0]);
    // Listening before the data goes in (tar-stream's iterator is also iterable).
    const iterator = entries[Symbol.asyncIterator]() as AsyncIterableIterator<Entry>;
    entries.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const files: TarFile[] = [];
    let total = 0;
    let count = 0;
    /** Where the last entry's data (padded to a block) ends: the next header, or the closing zero blocks. */
    let end = 0;
    let last: string | undefined;
    try {
        for await (const entry of iterator) {
            const header = entry.header;
            const name = decodeName(header);
            if (++count > limits.maxEntries) throw new TarError(`more than ${limits.maxEntries} entries`);
            if (zeroBlockBetween(bytes, end, entry.offset)) {
                throw new TarError(`${shown(name)}: an entry after a zero block, the archive's end (at byte ${entry.offset})`);
            }
            const dataStart = entry.offset + BLOCK;
            const size = header.size;
            if (size > limits.maxEntryBytes) throw new TarError(`${shown(name)}: ${size} bytes, more than the ${limits.maxEntryBytes} an entry may have`);
            if (dataStart + size > bytes.length) throw new TarError(truncatedIn(name, size, bytes.length - dataStart));
            total += size;
            if (total > limits.maxTotalBytes) throw new TarError(`more than ${limits.maxTotalBytes} bytes in all`);
            const path = safePath(name);
            const kind = kindOf(header, bytes[entry.offset + 156]);
            if (kind !== 'file' && kind !== 'directory') throw new TarError(`${shown(name)}: a ${kind} entry; a bundle holds only files and folders`);
            // tar-stream reads a folder's data blocks as headers: a folder with data is refused.
            if (kind === 'directory' && size !== 0) throw new TarError(`${shown(name)}: a folder entry with ${size} bytes of data`);
            last = name;
            end = dataStart + Math.ceil(size / BLOCK) * BLOCK;
            const chunks: Buffer[] = [];
            try {
                for await (const chunk of entry) chunks.push(chunk as Buffer);
            } catch (err) {
                throw err instanceof TarError ? err : new TarError(truncatedIn(name, size, bytes.length - dataStart));
            }
            const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            if (data.length !== size) throw new TarError(truncatedIn(name, size, data.length));
            if (kind === 'file') files.push({ path, data });
        }
    } catch (err) {
        throw err instanceof TarError ? err : new TarError(libraryError(err, end, last));
    }
    if (end + 2 * BLOCK > bytes.length || !isZero(bytes.subarray(end, end + 2 * BLOCK))) throw new TarError(NO_END);
    return files;
}

function gunzip(input: Uint8Array, limits: TarLimits): Uint8Array {
    try {
        return gunzipSync(input, { maxOutputLength: limits.maxTotalBytes + limits.maxEntries * BLOCK });
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new TarError(code === 'ERR_BUFFER_TOO_LARGE' ? `more than ${limits.maxTotalBytes} bytes in all once decompressed` : `not a valid gzip file (${code ?? 'corrupt'})`);
    }
}

/**
 * An entry's name, checked to be UTF-8. tar-stream decodes names with the `filenameEncoding` given
 * (default UTF-8, through `Buffer.toString`, which puts U+FFFD in place of bytes that are not UTF-8
 * and so loses the difference between a bad byte and a real U+FFFD). With `latin1` each byte of a
 * ustar name, ustar prefix or GNU long name becomes the character of the same code, so the bytes are
 * recovered exactly and decoded here strictly. A pax `path` record is decoded by tar-stream as UTF-8
 * whatever the option (POSIX makes pax values UTF-8); there the bytes are gone, and a U+FFFD in the
 * result is taken as a byte that was not UTF-8 (a name with a real U+FFFD is refused too: a bundle's
 * names are the collector's and domain names, which never hold it).
 */
function decodeName(header: Header): string {
    const pax = header.pax as Record<string, string> | null | undefined;
    if (typeof pax?.path === 'string') {
        if (pax.path.includes('\uFFFD')) throw new TarError('an entry name is not UTF-8');
        return pax.path;
    }
    try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(header.name, 'latin1'));
    } catch {
        throw new TarError('an entry name is not UTF-8');
    }
}

const KINDS: Record<string, string> = {
    file: 'file', 'contiguous-file': 'file', directory: 'directory', link: 'hard link', symlink: 'symbolic link',
    'character-device': 'character device', 'block-device': 'block device', fifo: 'FIFO'
};

/** What an entry is, from tar-stream's type (`null` for a type it does not know: named by its flag byte). */
function kindOf(header: Header, flag: number | undefined): string {
    const type = header.type as string | null;
    return (type !== null && KINDS[type]) || `type '${escapeFlag(flag ?? 0)}'`;
}

function escapeFlag(flag: number): string {
    return flag >= 0x20 && flag < 0x7f ? String.fromCharCode(flag) : `\\x${flag.toString(16).padStart(2, '0')}`;
}

/**
 * tar-stream's errors (its messages, tar-stream 3.3 extract.js/headers.js) as our one line. `end`
 * is where the last entry read ended: the header that failed lies at or after it.
 */
function libraryError(err: unknown, end: number, last: string | undefined): string {
    const message = err instanceof Error ? err.message : String(err);
    const where = last === undefined ? '' : ` after ${shown(last)}, from byte ${end}`;
    if (message.startsWith('Invalid tar header. Maybe')) return `not a tar archive (bad header checksum${where})`;
    if (message === 'Invalid tar header: unknown format.') return `not a tar archive (a header neither ustar nor GNU${where})`;
    if (message === 'Invalid header') return `not a tar archive (bad size field${where})`;
    if (message === 'Header exceeds max size') return `a pax or GNU long-name header over 4 MiB${where}`;
    if (message === 'Unexpected end of data') return NO_END;
    return `not a tar archive (${shortLine(message)}${where})`;
}

function truncatedIn(name: string, size: number, left: number): string {
    return `truncated: ${shown(name)} should have ${size} bytes, the archive ends after ${Math.max(0, left)}`;
}

/** Whether a whole zero block lies in [from, to): tar-stream skipped it as the archive's end marker. */
function zeroBlockBetween(bytes: Uint8Array, from: number, to: number): boolean {
    for (let at = from; at + BLOCK <= to; at += BLOCK) if (isZero(bytes.subarray(at, at + BLOCK))) return true;
    return false;
}

function isZero(b: Uint8Array): boolean {
    return b.every(x => x === 0);
}

/** A relative path without `.`, `..` or empty segments (a leading `./` is dropped). */
function safePath(name: string): string {
    const trimmed = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (name.startsWith('/') || trimmed === '' || trimmed.split('/').some(s => s === '..' || s === '' || s === '.') || /[\0\\]/.test(trimmed)) {
        throw new TarError(`${shown(name)}: a path outside the bundle (absolute, empty or with ..)`);
    }
    return trimmed;
}

function shortLine(s: string): string {
    const line = s.replace(/\s+/g, ' ');
    return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

function shown(s: string): string {
    return JSON.stringify(s.length > 120 ? `${s.slice(0, 117)}...` : s);
}
