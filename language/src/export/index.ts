/**
 * Export API shared by the CLI (`vmtopo export`) and the language server's `vmtopo.export` command:
 * per VM, a libvirt domain XML (`<vm>.domain.xml`) or an NCCL topology XML (`<vm>.nccl-topo.xml`),
 * both from one {@link GuestPlan} so their guest PCI addresses agree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { AstUtils, DocumentState, URI, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { VmModel } from '../model/topology.js';
import type { VmtopoServices } from '../vmtopo-module.js';
import { planGuestAddresses } from './address-plan.js';
import { ExportError } from './errors.js';
import { escapePath, escapeText, shortText } from './escape.js';
import { exportLibvirtDomain } from './libvirt.js';
import { exportNcclTopology } from './nccl.js';

export { ExportError } from './errors.js';
export { escapePath, escapeText, shortText } from './escape.js';
export { planGuestAddresses, type GuestPlan } from './address-plan.js';
export { exportLibvirtDomain } from './libvirt.js';
export { exportNcclTopology } from './nccl.js';

export type ExportFormat = 'libvirt' | 'nccl';

/** File name for a VM's export: `<vm>.domain.xml` (libvirt) or `<vm>.nccl-topo.xml` (NCCL). */
export function exportFileName(vm: string, format: ExportFormat): string {
    return format === 'libvirt' ? `${vm}.domain.xml` : `${vm}.nccl-topo.xml`;
}

/** Pure: the text of one VM's export (plan computed once inside). Throws {@link ExportError}. */
export function exportVm(vm: VmModel, format: ExportFormat): string {
    const plan = planGuestAddresses(vm);
    return format === 'libvirt' ? exportLibvirtDomain(vm, plan) : exportNcclTopology(vm, plan);
}

export interface ExportRequest {
    /** Absolute paths of `.vmtopo` files (relative ones are resolved against the working directory). */
    files: string[];
    format: ExportFormat;
    /** Only this VM (default: every VM declared in `files`). */
    vm?: string;
    /** Output folder; default: `out/` beside each VM's file. */
    outDir?: string;
}

export interface ExportResult {
    ok: boolean;
    /** Absolute paths of the files written (also when `ok` is false after a write failed part-way). */
    written: string[];
    /**
     * One line each (paths and names escaped, see `escape.ts`): `file:line:col severity code
     * message`, or a sentence.
     */
    problems: string[];
    /**
     * True when the export stopped because a file could not be written (a file-system error such as
     * EACCES, ENOSPC, ENOTDIR); `problems` then holds one line naming the file, the error, the VMs
     * written and the VMs not written. Absent otherwise. (The CLI exits 2 for it, 1 for a refusal.)
     */
    writeFailed?: true;
}

export type SeverityName = 'error' | 'warning' | 'info' | 'hint';

/** LSP `DiagnosticSeverity` (1 = error … 4 = hint; missing = error) → its name. */
export function severityName(d: Diagnostic): SeverityName {
    switch (d.severity) {
        case 2: return 'warning';
        case 3: return 'info';
        case 4: return 'hint';
        default: return 'error';
    }
}

/** The plain text of a diagnostic's message (LSP allows markup content too). */
export function messageText(diagnostic: Diagnostic): string {
    const m = diagnostic.message;
    return typeof m === 'string' ? m : m.value;
}

/**
 * `file:line:col severity code message` with 1-based line and column (the CLI prints the same),
 * always exactly one line: the path is escaped with {@link escapePath}; in the message a line break
 * (with the blanks around it) becomes one space — rule messages may be written over several lines —
 * and every other control character, line separator or bidi control is escaped ({@link escapeText}).
 */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
    const { line, character } = diagnostic.range.start;
    const severity = severityName(diagnostic);
    const code = diagnostic.code === undefined || diagnostic.code === '' ? '' : ` ${escapeText(String(diagnostic.code))}`;
    const message = escapeText(messageText(diagnostic).replace(/\s*\n\s*/g, ' '));
    return `${escapePath(file)}:${line + 1}:${character + 1} ${severity}${code} ${message}`;
}

/** Longest file name Linux allows (NAME_MAX), in bytes. */
export const NAME_MAX_BYTES = 255;

/**
 * Loads only the given files into the services' workspace, builds them with validation and exports
 * the VMs declared in them (all, or the one named `vm`).
 *
 * Refuses — `ok: false`, nothing written, one line per problem (paths and names escaped) — when a
 * file cannot be read, a given document has errors, a check threw while validating them (an
 * internal error, reported to `InternalErrors`: the files are not known to be valid), the VM name is unknown (the problem lists the
 * VM names), an exporter throws {@link ExportError}, or two selected VMs would write the same file (e.g. one VM name
 * declared in two files of one folder): no export overwrites a file it wrote itself.
 *
 * Every file is written with {@link writeFileAtomic}; nothing else in the output folder is touched
 * (except leftover temporary files of the same targets from killed exports). A file-system error
 * while writing (EACCES, ENOSPC, ENOTDIR…) stops the export: `ok: false`, `writeFailed: true`,
 * `written` = the files written before it, and one problem line naming the file, the error, the VMs
 * written and those not written. Never throws for file-system errors.
 */
export async function exportFiles(
    services: { shared: LangiumSharedServices; vmtopo: VmtopoServices },
    request: ExportRequest
): Promise<ExportResult> {
    const refuse = (problems: string[]): ExportResult => ({ ok: false, written: [], problems });
    const files = request.files.map(f => path.resolve(f));
    const shownFiles = files.map(escapePath).join(', ');
    const unreadable = files.flatMap(f => {
        try {
            return fs.statSync(f).isFile() ? [] : [`${escapePath(f)}: not a file`];
        } catch {
            return [`${escapePath(f)}: no such file`];
        }
    });
    if (unreadable.length > 0) return refuse(unreadable);

    const workspace = services.shared.workspace;
    // The files not known to the workspace yet are read all at once (one after the other, a fleet
    // of 640 files spent 0.3 s waiting on the disk), then made documents in the order given, as
    // `getOrCreateDocument` makes them; one that cannot be read goes through `getOrCreateDocument`,
    // which says why.
    const uris = files.map(f => URI.file(f));
    const texts = await Promise.all(uris.map(uri => workspace.LangiumDocuments.hasDocument(uri)
        ? undefined : workspace.FileSystemProvider.readFile(uri).catch(() => undefined)));
    const documents: LangiumDocument[] = [];
    for (const [i, f] of files.entries()) {
        const text = texts[i];
        try {
            const known = workspace.LangiumDocuments.getDocument(uris[i]);
            if (known || text === undefined) {
                documents.push(known ?? await workspace.LangiumDocuments.getOrCreateDocument(uris[i]));
            } else {
                const document = workspace.LangiumDocumentFactory.fromString(text, uris[i]);
                workspace.LangiumDocuments.addDocument(document);
                documents.push(document);
            }
        } catch (err) {
            return refuse([`${escapePath(f)}: cannot read it (${describeError(err)})`]);
        }
    }
    const failuresBefore = services.vmtopo.log.InternalErrors.count;
    await workspace.DocumentBuilder.build(documents, { validation: true });
    if (services.vmtopo.log.InternalErrors.count > failuresBefore) {
        // A check that threw did not run completely: its silence is not an approval.
        return refuse([`an internal error stopped a check of ${shownFiles} (see the log), so the files are not known to be valid`]);
    }

    const errors = documents.flatMap((doc, i) =>
        (doc.diagnostics ?? []).filter(d => severityName(d) === 'error').map(d => formatDiagnostic(files[i], d)));
    if (errors.length > 0) {
        return refuse([`${errors.length} error${errors.length === 1 ? '' : 's'} in ${shownFiles}`, ...errors]);
    }

    const resolved = services.vmtopo.model.TopologyProvider.get();
    const fileOf = new Map(documents.map((doc, i) => [doc.uri.toString(), files[i]]));
    const declared: { vm: VmModel; file: string }[] = [];
    for (const vm of resolved.topology.vms) {
        const node = resolved.trace.get(vm)?.node;
        const file = node && fileOf.get(AstUtils.getDocument(node).uri.toString());
        if (file) declared.push({ vm, file });
    }
    let selected = declared;
    if (request.vm !== undefined) {
        selected = declared.filter(d => d.vm.name === request.vm);
        if (selected.length === 0) {
            const names = declared.map(d => d.vm.name);
            return refuse([`no VM named '${shortText(request.vm)}' in ${shownFiles}; ${names.length > 0 ? `VMs: ${names.map(n => escapeText(n)).join(', ')}` : 'it declares no VM'}`]);
        }
    } else if (selected.length === 0) {
        return refuse([`${shownFiles} declares no VM`]);
    }

    // A VM is only as valid as its host: errors in the file that declares the host of an exported VM
    // (in the editor, another file of the workspace) refuse the export too.
    const hostDocuments = [...new Set(selected.map(({ vm }) => resolved.trace.get(vm.host)?.node)
        .filter((node): node is AstNode => node !== undefined)
        .map(node => AstUtils.getDocument(node)))].filter(doc => !documents.includes(doc));
    if (hostDocuments.some(doc => doc.state < DocumentState.Validated)) {
        await workspace.DocumentBuilder.build(hostDocuments.filter(doc => doc.state < DocumentState.Validated), { validation: true });
    }
    const hostErrors = hostDocuments.flatMap(doc =>
        (doc.diagnostics ?? []).filter(d => severityName(d) === 'error').map(d => formatDiagnostic(doc.uri.fsPath, d)));
    if (hostErrors.length > 0) {
        const hostFiles = hostDocuments.map(doc => escapePath(doc.uri.fsPath)).join(', ');
        return refuse([`${hostErrors.length} error${hostErrors.length === 1 ? '' : 's'} in ${hostFiles}, which declares the host of the VMs`, ...hostErrors]);
    }

    const outputs: { vm: string; file: string; content: string }[] = [];
    const problems: string[] = [];
    const byTarget = new Map<string, { vm: string; file: string }>();
    for (const { vm, file } of selected) {
        const dir = request.outDir !== undefined ? path.resolve(request.outDir) : path.join(path.dirname(file), 'out');
        const name = exportFileName(vm.name, request.format);
        const target = path.join(dir, name);
        const key = sameFileKey(target);
        const other = byTarget.get(key);
        if (other) {
            problems.push(`VM ${escapeText(other.vm)} of ${escapePath(other.file)} and VM ${escapeText(vm.name)} of ${escapePath(file)} would both be written to ${escapePath(target)}`);
            continue;
        }
        byTarget.set(key, { vm: vm.name, file });
        try {
            outputs.push({ vm: vm.name, file: target, content: exportVm(vm, request.format) });
        } catch (err) {
            if (!(err instanceof ExportError)) throw err;
            problems.push(`${escapePath(file)}: ${escapeText(err.message)}`);
        }
    }
    if (problems.length > 0) return refuse(problems);

    // The leftovers of killed exports, for every target at once: one listing per output folder.
    const basesByDir = new Map<string, string[]>();
    for (const o of outputs) {
        const dir = path.dirname(o.file);
        const bases = basesByDir.get(dir);
        if (bases) bases.push(path.basename(o.file)); else basesByDir.set(dir, [path.basename(o.file)]);
    }
    for (const [dir, bases] of basesByDir) removeStaleTempFiles(dir, bases);
    const written: string[] = [];
    for (const [i, o] of outputs.entries()) {
        try {
            writeFileAtomic(o.file, o.content, { staleTempFilesRemoved: true });
        } catch (err) {
            if (!isFsError(err)) throw err;
            const done = outputs.slice(0, i).map(w => escapeText(w.vm));
            const notDone = outputs.slice(i).map(w => escapeText(w.vm));
            return {
                ok: false,
                written,
                writeFailed: true,
                problems: [`cannot write ${escapePath(o.file)} (${describeError(err)}); `
                    + `${done.length === 0 ? 'nothing was written' : `written: ${done.join(', ')}`}; not written: ${notDone.join(', ')}`]
            };
        }
        written.push(o.file);
    }
    return { ok: true, written, problems: [] };
}

/**
 * The key under which two targets are the same file: the absolute path, case-folded — on a
 * case-insensitive file system (macOS and Windows by default, and such volumes mounted on Linux)
 * `Train.domain.xml` and `train.domain.xml` are one file — so that one export never overwrites its
 * own file.
 */
function sameFileKey(target: string): string {
    return path.resolve(target).toLowerCase();
}

/** A Node file-system error (it has an errno `code` and a `syscall`). */
function isFsError(err: unknown): err is NodeJS.ErrnoException {
    const e = err as NodeJS.ErrnoException | undefined;
    return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/**
 * One escaped line for an error: for a file-system error its code and description without the
 * paths Node appends (`EACCES: permission denied`), else its message.
 */
function describeError(err: unknown): string {
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
