/**
 * A strict reader of the tar files `vmtopo-collect.sh` writes (`tar -cf`: GNU tar's default format,
 * or any POSIX.1-1988 ustar / POSIX.1-2001 pax archive), in memory, synchronously.
 *
 * Why our own: no tar library is installed in the project (neither `tar` nor `tar-stream` is a
 * dependency, direct or transitive), and a bundle needs only the archive's regular files and
 * folders, with every limit checked before a byte is trusted. The format: POSIX.1-2017 `pax`
 * (https://pubs.opengroup.org/onlinepubs/9799919799/utilities/pax.html, "ustar Interchange Format"
 * and "pax Interchange Format"); GNU's long-name entry `L` (https://www.gnu.org/software/tar/manual/html_node/Standard.html).
 * A gzip-compressed archive (`.tar.gz`) is inflated with Node's zlib first.
 *
 * Refused, each with one {@link TarError} naming the entry: a checksum that does not match, an entry
 * whose data runs past the end (a truncated archive), an archive without its two closing zero blocks,
 * links, devices and FIFOs, an absolute path or one with a `..` segment, more than {@link TarLimits.maxEntries}
 * entries, an entry bigger than {@link TarLimits.maxEntryBytes}, and a total over {@link TarLimits.maxTotalBytes}.
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

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

/**
 * The regular files of a tar archive (gzip-compressed or not), in archive order; folders are
 * skipped. @throws TarError (see the module comment).
 */
export function readTar(input: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS): TarFile[] {
    const bytes = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? gunzip(input, limits) : input;
    const files: TarFile[] = [];
    let offset = 0;
    let total = 0;
    let entries = 0;
    let longName: string | undefined;
    let paxPath: string | undefined;
    for (;;) {
        if (offset + BLOCK > bytes.length) throw new TarError('truncated: the archive ends without its two closing zero blocks');
        const header = bytes.subarray(offset, offset + BLOCK);
        if (header.every(b => b === 0)) {
            if (offset + 2 * BLOCK > bytes.length || !bytes.subarray(offset + BLOCK, offset + 2 * BLOCK).every(b => b === 0)) {
                throw new TarError('truncated: the archive ends without its two closing zero blocks');
            }
            return files;
        }
        if (++entries > limits.maxEntries) throw new TarError(`more than ${limits.maxEntries} entries`);
        checkChecksum(header, offset);
        const type = String.fromCharCode(header[156] || 0x30);
        const size = octal(header.subarray(124, 136), 'size', offset);
        const ustar = ascii(header.subarray(257, 262)) === 'ustar';
        const prefix = ustar ? text(header.subarray(345, 500)) : '';
        const rawName = longName ?? paxPath ?? (prefix ? `${prefix}/${text(header.subarray(0, 100))}` : text(header.subarray(0, 100)));
        const dataStart = offset + BLOCK;
        const dataEnd = dataStart + size;
        if (size > limits.maxEntryBytes) throw new TarError(`${shown(rawName)}: ${size} bytes, more than the ${limits.maxEntryBytes} an entry may have`);
        if (dataEnd > bytes.length) throw new TarError(`truncated: ${shown(rawName)} should have ${size} bytes, the archive ends after ${Math.max(0, bytes.length - dataStart)}`);
        total += size;
        if (total > limits.maxTotalBytes) throw new TarError(`more than ${limits.maxTotalBytes} bytes in all`);
        const data = bytes.subarray(dataStart, dataEnd);
        offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
        if (type === 'L') { longName = text(data); continue; }
        if (type === 'x') { paxPath = paxRecord(data, 'path') ?? paxPath; continue; }
        if (type === 'g') continue;
        longName = undefined;
        paxPath = undefined;
        const path = safePath(rawName);
        if (type === '5') continue;
        if (type !== '0' && type !== '7') throw new TarError(`${shown(rawName)}: a ${KINDS[type] ?? `type '${shown(type)}'`} entry; a bundle holds only files and folders`);
        files.push({ path, data });
    }
}

const KINDS: Record<string, string> = { '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO' };

function gunzip(input: Uint8Array, limits: TarLimits): Uint8Array {
    try {
        return gunzipSync(input, { maxOutputLength: limits.maxTotalBytes + limits.maxEntries * BLOCK });
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new TarError(code === 'ERR_BUFFER_TOO_LARGE' ? `more than ${limits.maxTotalBytes} bytes in all once decompressed` : `not a valid gzip file (${code ?? 'corrupt'})`);
    }
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces (ustar). */
function checkChecksum(header: Uint8Array, offset: number): void {
    const stored = octal(header.subarray(148, 156), 'checksum', offset);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    if (sum !== stored) throw new TarError(`not a tar archive (bad header checksum at byte ${offset})`);
}

function octal(field: Uint8Array, what: string, offset: number): number {
    if (field[0] & 0x80) throw new TarError(`${what} at byte ${offset} is in base-256 (an entry over 8 GiB)`);
    const s = ascii(field).replace(/[\0 ]+$/, '').replace(/^ +/, '');
    if (!/^[0-7]*$/.test(s)) throw new TarError(`not a tar archive (bad ${what} field at byte ${offset})`);
    return s === '' ? 0 : parseInt(s, 8);
}

function ascii(b: Uint8Array): string {
    let s = '';
    for (const c of b) s += String.fromCharCode(c);
    return s;
}

/** A NUL-terminated UTF-8 field (a name that is not UTF-8 is refused). */
function text(b: Uint8Array): string {
    const end = b.indexOf(0);
    try {
        return new TextDecoder('utf-8', { fatal: true }).decode(end < 0 ? b : b.subarray(0, end));
    } catch {
        throw new TarError('an entry name is not UTF-8');
    }
}

/** The value of `key` in a pax extended header (`LEN key=value\n` records). */
function paxRecord(data: Uint8Array, key: string): string | undefined {
    let found: string | undefined;
    for (const line of text(data).split('\n')) {
        const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
        if (m && m[1] === key) found = m[2];
    }
    return found;
}

/** A relative path without `.`, `..` or empty segments (a leading `./` is dropped). */
function safePath(name: string): string {
    const trimmed = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (name.startsWith('/') || trimmed === '' || trimmed.split('/').some(s => s === '..' || s === '' || s === '.') || /[\0\\]/.test(trimmed)) {
        throw new TarError(`${shown(name)}: a path outside the bundle (absolute, empty or with ..)`);
    }
    return trimmed;
}

function shown(s: string): string {
    return JSON.stringify(s.length > 120 ? `${s.slice(0, 117)}...` : s);
}
