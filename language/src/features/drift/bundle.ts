/**
 * A bundle: the tar file `vmtopo collect` (vmtopo-collect.sh) makes on a host, read and checked.
 * Everything in it lies under `bundle/`; `bundle/manifest.tsv` says what was run:
 *
 *     vmtopo-bundle<TAB>1
 *     host<TAB>NAME                      (uname -n / hostname)
 *     kernel<TAB>RELEASE
 *     collected<TAB>2026-01-01T00:00:00Z
 *     run<TAB>EXIT<TAB>FILE<TAB>COMMAND  (one per command; FILE relative to bundle/)
 *     missing<TAB>TOOL                   (a tool the host does not have)
 *
 * {@link readBundle} refuses, with one {@link BundleError} line, an archive that is not a bundle: not
 * tar, truncated, hostile (see tar.ts: links, paths with `..`, huge entries), a file that is not
 * UTF-8 text, no manifest, a manifest naming a file that is not there, or an `lstopo` capture whose
 * host name is not the manifest's (files gathered on two hosts).
 */
import { readTar, TarError, type TarLimits } from './tar.js';

/** One command the collector ran (`run`) and its exit status; `file` holds its standard output. */
export interface BundleCommand {
    readonly command: string;
    readonly exit: number;
    readonly file: string;
}

/** A bundle's contents. */
export interface Bundle {
    /** The bundle's name as given (for messages). */
    readonly name: string;
    /** Host name the collector ran on (`uname -n`). */
    readonly host: string;
    readonly kernel?: string;
    readonly collected?: string;
    readonly commands: readonly BundleCommand[];
    /** Tools the host does not have (`lstopo`, `virsh`, `nvidia-smi`). */
    readonly missing: readonly string[];
    /** Every file under `bundle/`, by its path relative to it, as text. */
    readonly files: ReadonlyMap<string, string>;
}

/** Why a bundle was refused: one line, starting with the bundle's name. */
export class BundleError extends Error {
    constructor(readonly bundle: string, readonly reason: string) {
        super(`${bundle}: ${reason}`);
        this.name = 'BundleError';
    }
}

/** The manifest format this reader knows. */
export const BUNDLE_FORMAT_VERSION = 1;
const ROOT = 'bundle/';

/**
 * Reads a bundle from the bytes of its tar file (plain or gzip). `name` names it in messages;
 * `limits` bound the archive (tar.ts; its `DEFAULT_TAR_LIMITS` when not given).
 * @throws BundleError (see the module comment): the promise is rejected with it.
 */
export async function readBundle(bytes: Uint8Array, name: string, limits?: TarLimits): Promise<Bundle> {
    let entries;
    try {
        entries = await readTar(bytes, limits);
    } catch (err) {
        if (err instanceof TarError) throw new BundleError(name, err.message);
        throw err;
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const files = new Map<string, string>();
    for (const e of entries) {
        if (!e.path.startsWith(ROOT)) throw new BundleError(name, `${JSON.stringify(e.path)} is outside bundle/: not a vmtopo bundle`);
        try {
            files.set(e.path.slice(ROOT.length), decoder.decode(e.data));
        } catch {
            throw new BundleError(name, `${e.path} is not UTF-8 text`);
        }
    }
    const manifest = files.get('manifest.tsv');
    if (manifest === undefined) throw new BundleError(name, 'no bundle/manifest.tsv: not a vmtopo bundle (make one with `vmtopo collect`)');
    const lines = manifest.split('\n').filter(l => l !== '');
    const format = lines[0]?.split('\t');
    if (format?.[0] !== 'vmtopo-bundle') throw new BundleError(name, 'bundle/manifest.tsv does not start with vmtopo-bundle: not a vmtopo bundle');
    if (Number(format[1]) !== BUNDLE_FORMAT_VERSION) throw new BundleError(name, `bundle format ${JSON.stringify(format[1] ?? '')}; this vmtopo reads format ${BUNDLE_FORMAT_VERSION}`);
    let host: string | undefined;
    let kernel: string | undefined;
    let collected: string | undefined;
    const commands: BundleCommand[] = [];
    const missing: string[] = [];
    for (const [i, line] of lines.entries()) {
        if (i === 0) continue;
        const f = line.split('\t');
        if (f[0] === 'host') host = f[1];
        else if (f[0] === 'kernel') kernel = f[1];
        else if (f[0] === 'collected') collected = f[1];
        else if (f[0] === 'missing' && f[1]) missing.push(f[1]);
        else if (f[0] === 'run' && f.length >= 4 && /^\d+$/.test(f[1])) {
            if (!files.has(f[2])) throw new BundleError(name, `the manifest names bundle/${f[2]}, which is not in the archive (truncated?)`);
            commands.push({ exit: Number(f[1]), file: f[2], command: f.slice(3).join('\t') });
        } else {
            throw new BundleError(name, `bundle/manifest.tsv line ${i + 1} is not a manifest line`);
        }
    }
    if (!host || !/^[\w.-]{1,253}$/.test(host)) throw new BundleError(name, 'the manifest names no host (or not a host name)');
    const lstopo = files.get('lstopo.xml');
    const lstopoHost = lstopo && /<info\s+name="HostName"\s+value="([^"]*)"/.exec(lstopo)?.[1];
    if (lstopoHost && lstopoHost !== host) {
        throw new BundleError(name, `lstopo.xml was captured on host ${JSON.stringify(lstopoHost)}, the manifest says ${JSON.stringify(host)}: files from two hosts`);
    }
    return { name, host, kernel, collected, commands, missing, files };
}

/** The command whose output is `file`, when it ran and exited 0; else undefined. */
export function succeeded(bundle: Bundle, file: string): BundleCommand | undefined {
    const c = bundle.commands.find(x => x.file === file);
    return c && c.exit === 0 ? c : undefined;
}
