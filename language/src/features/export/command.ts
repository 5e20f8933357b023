/**
 * The language server's `vmtopo.export` command (`workspace/executeCommand`, registered by the
 * export feature, `feature.ts`). The VS Code export commands — one per format of the registry
 * (`formats.ts`) — send it here, so the editor exports with exactly the code the CLI uses
 * (`exportFiles` in `export-files.ts`), as Bicep's build command sends `workspace/executeCommand`
 * `build` to its language server (Azure/bicep, src/vscode-bicep/src/features/build,
 * https://github.com/Azure/bicep).
 *
 * Any LSP client can send the command with any argument, so the export is confined
 * (`confine.ts`): it reads only a file inside the workspace folders and writes only inside them,
 * unless the user chose the output folder in a dialog.
 */
import * as path from 'node:path';
import { URI } from 'langium';
import type { LangiumSharedCoreServices } from 'langium';
import { exportFiles, type ExportFormat, type ExportResult } from './export-files.js';
import { confineExport } from './confine.js';
import { formatById, formatIds } from './formats.js';
import { exportRoots } from '../../kernel/paths.js';
import { shortText } from '../../kernel/text.js';
import type { VmtopoCoreServices } from '../../langium/services.js';
import type { LayoutEngine } from '../diagram/layout.js';
import { EXPORT_COMMAND } from '../../protocol.js';


/** A checked {@link ExportCommandArgs}, with absolute paths. */
export interface ParsedExportArgs {
    /** Absolute, normalised path of the `.vmtopo` file. */
    file: string;
    /** The id of a format of the registry. */
    format: ExportFormat;
    /** Only this VM (or, for a per-host format, its host); undefined for every VM of the file. */
    vm?: string;
    /** Only this host (or, for a per-VM format, the VMs on it); undefined for every host of the file. */
    host?: string;
    /** Absolute output folder: `outDir` resolved against the file's folder; default `<file folder>/out`. */
    outDir: string;
    /** True only when the argument said `outDirChosenByUser: true`. */
    outDirChosenByUser: boolean;
    /**
     * True when `file` is the URI of an unsaved (`untitled:`) document, exported from the text the
     * editor holds; `outDir` is then the absolute folder the user chose.
     */
    unsaved?: true;
    /** Absolute path of the user's domain to merge into (libvirt), if any. */
    into?: string;
    /** With `into`: true only when the argument said `intoChosenByUser: true`. */
    intoChosenByUser?: boolean;
}

/** A URI scheme at the start of a string (two characters at least, so `C:\x` is a path, not a URI). */
const URI_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

/**
 * Checks the shape of the command's argument (an {@link ExportCommandArgs}) and resolves its paths.
 * Pure: no file-system access (confinement is {@link confineExport}'s job).
 *
 * - `file` must be an absolute path or a `file:` URI without authority, query or fragment; refused:
 *   not a string, empty, a relative path, another scheme (`http:`…), `file://host/…`, a NUL
 *   character (also percent-encoded). An `untitled:` URI (an unsaved document of the editor) is
 *   accepted only with an absolute `outDir` and `outDirChosenByUser: true` (`unsaved` is then set).
 * - `format` must be the id of a format of the registry (`formats.ts`).
 * - `vm` and `host`, if present and not null, must be strings (empty means every VM, every host).
 * - `outDir`, if present and not null, must be a string: absolute, a `file:` URI as for `file`, or
 *   relative to the file's folder; empty or absent means `out` beside the file.
 * - `outDirChosenByUser`, if present and not null, must be a boolean.
 * - `into`, if present and not null, must be an absolute path or a `file:` URI as for `file`, and the
 *   format `libvirt`; `intoChosenByUser`, if present and not null, a boolean.
 *
 * @returns the parsed argument, or one line saying what is wrong (user values escaped and cut short).
 */
export function parseExportArgs(arg: unknown): ParsedExportArgs | string {
    if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
        return `${EXPORT_COMMAND} expects one argument { file, format, vm?, host?, outDir? }`;
    }
    const { file, format, vm, host, outDir, outDirChosenByUser, into, intoChosenByUser } = arg as Record<string, unknown>;
    if (typeof file === 'string' && /^untitled:/i.test(file) && !file.includes('\0')) {
        if (into !== undefined && into !== null) {
            return `${EXPORT_COMMAND}: 'into' merges a saved file's VM into a domain; save ${shortText(file, 80)} to a file first`;
        }
        return parseUnsavedExportArgs({ file, format, vm, host, outDir, outDirChosenByUser });
    }
    const filePath = parseLocalPath(file, "'file'");
    if (typeof filePath !== 'string') return filePath.error;
    if (!path.isAbsolute(filePath)) {
        return `${EXPORT_COMMAND}: 'file' must be an absolute path or a file: URI, not the relative path ${shortText(filePath)}`;
    }
    const absoluteFile = path.resolve(filePath);
    if (typeof format !== 'string' || !formatById(format)) {
        return `${EXPORT_COMMAND}: 'format' must be one of ${formatIds().join(', ')}, not ${describeValue(format)}`;
    }
    if (vm !== undefined && vm !== null && typeof vm !== 'string') {
        return `${EXPORT_COMMAND}: 'vm' must be a VM name, not ${describeValue(vm)}`;
    }
    if (host !== undefined && host !== null && typeof host !== 'string') {
        return `${EXPORT_COMMAND}: 'host' must be a host name, not ${describeValue(host)}`;
    }
    if (outDirChosenByUser !== undefined && outDirChosenByUser !== null && typeof outDirChosenByUser !== 'boolean') {
        return `${EXPORT_COMMAND}: 'outDirChosenByUser' must be true or false, not ${describeValue(outDirChosenByUser)}`;
    }
    if (intoChosenByUser !== undefined && intoChosenByUser !== null && typeof intoChosenByUser !== 'boolean') {
        return `${EXPORT_COMMAND}: 'intoChosenByUser' must be true or false, not ${describeValue(intoChosenByUser)}`;
    }
    let intoPath: string | undefined;
    if (into !== undefined && into !== null) {
        const parsed = parseLocalPath(into, "'into'");
        if (typeof parsed !== 'string') return parsed.error;
        if (!path.isAbsolute(parsed)) return `${EXPORT_COMMAND}: 'into' must be an absolute path or a file: URI, not the relative path ${shortText(parsed)}`;
        if (format !== 'libvirt') return `${EXPORT_COMMAND}: 'into' merges into a libvirt domain; it cannot be used with format '${shortText(format)}'`;
        intoPath = path.resolve(parsed);
    }
    let outDirPath = path.join(path.dirname(absoluteFile), 'out');
    if (outDir !== undefined && outDir !== null && outDir !== '') {
        const parsed = parseLocalPath(outDir, "'outDir'");
        if (typeof parsed !== 'string') return parsed.error;
        outDirPath = path.resolve(path.dirname(absoluteFile), parsed);
    }
    return {
        file: absoluteFile,
        format,
        vm: typeof vm === 'string' && vm.length > 0 ? vm : undefined,
        host: typeof host === 'string' && host.length > 0 ? host : undefined,
        outDir: outDirPath,
        outDirChosenByUser: outDirChosenByUser === true,
        ...(intoPath === undefined ? {} : { into: intoPath, intoChosenByUser: intoChosenByUser === true })
    };
}

/**
 * The argument for an unsaved (`untitled:`) document: it has no folder, so the output folder must be
 * one the user chose (`outDirChosenByUser: true`) and absolute (a path or a `file:` URI).
 */
function parseUnsavedExportArgs(arg: Record<string, unknown> & { file: string }): ParsedExportArgs | string {
    const { file, format, vm, host, outDir, outDirChosenByUser } = arg;
    if (typeof format !== 'string' || !formatById(format)) {
        return `${EXPORT_COMMAND}: 'format' must be one of ${formatIds().join(', ')}, not ${describeValue(format)}`;
    }
    if ((vm !== undefined && vm !== null && typeof vm !== 'string') || (host !== undefined && host !== null && typeof host !== 'string')) {
        return `${EXPORT_COMMAND}: 'vm' and 'host' must be names`;
    }
    const folder = outDir === undefined || outDir === null || outDir === '' ? undefined : parseLocalPath(outDir, "'outDir'");
    if (outDirChosenByUser !== true || typeof folder !== 'string' || !path.isAbsolute(folder)) {
        return `${EXPORT_COMMAND}: ${shortText(file, 80)} is not saved to a file: the output folder must be an absolute folder chosen by the user (outDirChosenByUser: true)`;
    }
    return {
        file,
        format,
        vm: typeof vm === 'string' && vm.length > 0 ? vm : undefined,
        host: typeof host === 'string' && host.length > 0 ? host : undefined,
        outDir: path.resolve(folder),
        outDirChosenByUser: true,
        unsaved: true
    };
}

/**
 * A path or `file:` URI string → a file-system path (relative paths stay relative); `{ error }`
 * for anything that is not a string naming a local file.
 */
function parseLocalPath(value: unknown, name: string): string | { error: string } {
    const fail = (why: string) => ({ error: `${EXPORT_COMMAND}: ${name} ${why}` });
    if (typeof value !== 'string' || value.length === 0) {
        return fail(`must be an absolute path or a file: URI, not ${describeValue(value)}`);
    }
    if (value.includes('\0')) return fail('contains a NUL character');
    const scheme = URI_SCHEME.exec(value)?.[1];
    if (scheme === undefined) return value;
    if (scheme.toLowerCase() !== 'file') {
        return fail(`must be a file on this machine (an absolute path or a file: URI), not a ${shortText(scheme, 40)}: URI; save the document to a file first`);
    }
    let uri: URI;
    try {
        uri = URI.parse(value);
    } catch {
        return fail(`is not a valid URI: ${shortText(value)}`);
    }
    if (uri.authority !== '') {
        return fail(`names a file on another host (${shortText(uri.authority, 60)}); only local files (file:///…) can be exported`);
    }
    if (uri.query !== '' || uri.fragment !== '') {
        return fail(`must be a file: URI without query or fragment: ${shortText(value)}`);
    }
    const fsPath = uri.fsPath;
    if (fsPath.includes('\0')) return fail('contains a NUL character');
    return fsPath;
}

/** A value as a message shows it: strings quoted and escaped, others by type. */
function describeValue(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    switch (typeof value) {
        case 'string': return `'${shortText(value, 60)}'`;
        case 'number': case 'boolean': case 'bigint': return `the ${typeof value} ${shortText(String(value), 40)}`;
        case 'symbol': return `the symbol ${shortText(value.toString(), 40)}`;
        case 'undefined': return 'nothing';
        case 'function': return 'a function';
        default: return 'an object';
    }
}

/**
 * The local folders among LSP workspace folders (`initialize` `workspaceFolders`): `file:` URIs
 * without authority, as absolute paths. Others (remote, virtual) cannot be written to and are left
 * out. Pure.
 */
export function localWorkspaceFolders(folders: readonly { uri: string }[] | null | undefined): string[] {
    const out: string[] = [];
    for (const folder of folders ?? []) {
        if (typeof folder?.uri !== 'string') continue;
        const parsed = parseLocalPath(folder.uri, 'workspace folder');
        if (typeof parsed === 'string' && path.isAbsolute(parsed)) out.push(path.resolve(parsed));
    }
    return out;
}

/**
 * Runs `vmtopo.export` with its one argument: `{ file, format, vm?, host?, outDir?,
 * outDirChosenByUser? }` → `{ ok, written, problems, writeFailed? }` ({@link ExportCommandArgs},
 * {@link ExportResult}; `written` holds absolute paths).
 *
 * Refusals, all `ok: false` with `written: []` and one line in `problems` — never a protocol error:
 * - a malformed argument ({@link parseExportArgs});
 * - the file, the output folder without `outDirChosenByUser`, or `into` without `intoChosenByUser`, outside the roots — the workspace
 *   folders of `initialize`, or the file's folder when there are none — on real paths
 *   ({@link confineExport}); the line names the file or folder and the roots;
 * - a file that cannot be read, a document with errors, an unknown VM or host, names that cannot be
 *   written (see `exportFiles`).
 * A write that fails part-way (EACCES, ENOSPC…) is `ok: false` with the files written so far.
 */
export async function runExportCommand(services: { shared: LangiumSharedCoreServices; vmtopo: VmtopoCoreServices }, arg: unknown,
    layoutEngine?: () => Promise<LayoutEngine>): Promise<ExportResult> {
    try {
        const parsed = parseExportArgs(arg);
        if (typeof parsed === 'string') {
            return { ok: false, written: [], problems: [parsed] };
        }
        const { shared } = services;
        if (!parsed.unsaved) {
            const roots = exportRoots(localWorkspaceFolders(shared.workspace.WorkspaceManager.workspaceFolders), parsed.file);
            const refused = confineExport(parsed, roots)
                ?? (parsed.into !== undefined && !parsed.intoChosenByUser ? confineExport({ file: parsed.into, outDir: parsed.outDir, outDirChosenByUser: true }, roots) : undefined);
            if (refused !== undefined) {
                return { ok: false, written: [], problems: [refused] };
            }
        }
        // An unsaved document is read from the editor's text (it is open: nothing is read from disk),
        // and written only into the folder the user chose.
        // A (normal) read waits for the build of pending edits, and no rebuild starts while the
        // export runs: the exported text is the validated text.
        const engine = formatById(parsed.format)?.scope === 'host' ? await layoutEngine?.() : undefined;
        return await shared.workspace.WorkspaceLock.read(() => exportFiles(services, {
            files: parsed.unsaved ? [] : [parsed.file], unsaved: parsed.unsaved ? [parsed.file] : undefined, format: parsed.format, vm: parsed.vm, host: parsed.host, outDir: parsed.outDir, layoutEngine: engine, into: parsed.into
        }));
    } catch (err) {
        return { ok: false, written: [], problems: [shortText(err instanceof Error ? err.message : String(err), 400)] };
    }
}
