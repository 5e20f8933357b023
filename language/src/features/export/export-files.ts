/**
 * Export API shared by the CLI (`vmtopo export`) and the language server's `vmtopo.export` command:
 * the files of one format of the export-format registry (`formats.ts`) — per VM (a libvirt domain
 * XML `<vm>.domain.xml`, an NCCL topology XML `<vm>.nccl-topo.xml`, both from one
 * {@link GuestPlan} so their guest PCI addresses agree) or per host (the topology diagram
 * `<host>.topology.svg`).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { AstUtils, DocumentState, URI, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedCoreServices } from 'langium';
import type { HostModel, VmModel } from '../../model/topology.js';
import type { VmtopoCoreServices } from '../../langium/services.js';
import { planGuestAddresses, type GuestPlan } from '../../model/guest-plan.js';
import { ExportError } from '../../model/export-error.js';
import { escapePath, escapeText, shortText } from '../../kernel/text.js';
import { diagnosticCode, formatDiagnostic, severityName } from '../../kernel/diagnostics.js';
import { isHost } from '../../generated/ast.js';
import type { Diagnostic } from 'vscode-languageserver-types';
import { describeError, isFsError, removeStaleTempFiles, writeFileAtomic } from '../../kernel/files.js';
import type { LayoutEngine } from '../diagram/layout.js';
import type { ExportFormat, ExportResult, RefusedExport } from '../../protocol.js';
import { formatById, formatIds, type ExportFormatRecord } from './formats.js';

export type { ExportFormat, ExportResult, RefusedExport } from '../../protocol.js';

export interface ExportRequest {
    /** Absolute paths of `.vmtopo` files (relative ones are resolved against the working directory). */
    files: string[];
    /** The id of a format of the registry (`libvirt`, `nccl`, `svg`). */
    format: ExportFormat;
    /** Only this VM (per-VM formats), or only its host (per-host formats). Default: all of `files`. */
    vm?: string;
    /** Only this host (per-host formats), or only the VMs on it (per-VM formats). Default: all of `files`. */
    host?: string;
    /** Output folder; default: `out/` beside each VM's (or host's) file. Required with `unsaved`. */
    outDir?: string;
    /**
     * URIs of documents the workspace holds only in memory (an editor's untitled buffer, e.g. the
     * result of Import Host): exported from their text as it is; they must be open in the workspace.
     */
    unsaved?: string[];
    /** How per-host writers lay out diagrams (the language server's layout worker); default: elkjs in this thread. */
    layoutEngine?: LayoutEngine;
    /**
     * `libvirt` only: the user's own domain XML to merge the VM into (`libvirt-merge.ts`). The merged
     * domain is written as `<vm>.domain.xml` in the output folder; exactly one VM must be selected, and
     * the output file must not be this file (it is never overwritten).
     */
    into?: string;
}

/**
 * Loads only the given files into the services' workspace, builds them with validation and writes
 * one file of `request.format` per target: for a per-VM format each VM declared in the files (all,
 * the one named `vm`, or those on `host`; of a format with `platforms`, without `vm`, only the VMs
 * on hosts of those platforms, and one refusal line when there is none); for a per-host format each
 * host declared in the files or holding a VM declared in them (all, the one named `host`, or the host of `vm`).
 *
 * Refuses the whole export — `ok: false`, nothing written, one line per problem (paths and names
 * escaped) — when the format is not one of the registry's, a file cannot be read, a check threw
 * while validating them (an internal error, reported to `InternalErrors`: the files are not known
 * to be valid), the VM or host name is unknown (the problem lists the names), a writer throws
 * {@link ExportError}, or two targets would write the same file (e.g. one VM name declared in two
 * files of one folder): no export overwrites a file it wrote itself.
 *
 * Per target (unless the format `writesWithErrors`): a VM is written when it and its host have no
 * error, even if other VMs of the file do; a VM with errors in its declaration, in its host's (or
 * the host's template's), outside every declaration of those files, or a syntax error anywhere in
 * them (see `blockingErrors`) is refused. Then `ok` is false, `written` holds the files of the
 * others, `refused` names each refused target with its blocking errors (lines and locations),
 * `exported` the targets written, and `problems` is the headline (`VM train: 3 errors (first: …)`)
 * followed by each blocking error once.

 * Every file is written with {@link writeFileAtomic}; nothing else in the output folder is touched
 * (except leftover temporary files of the same targets from killed exports). A file-system error
 * while writing (EACCES, ENOSPC, ENOTDIR…) stops the export: `ok: false`, `writeFailed: true`,
 * `written` = the files written before it, and one problem line naming the file, the error, the VMs
 * (or hosts) written and those not written. Never throws for file-system errors.
 *
 * With `into` (libvirt only) the VM's domain is merged into that file's domain (`libvirt-merge.ts`);
 * refused, nothing written, when the file cannot be read, more than one VM is selected, the output
 * file would be that file, or the merge refuses (one line: `file:line:col: why`).
 */
export async function exportFiles(
    services: { shared: LangiumSharedCoreServices; vmtopo: VmtopoCoreServices },
    request: ExportRequest
): Promise<ExportResult> {
    const refuse = (problems: string[]): ExportResult => ({ ok: false, written: [], problems });
    const format = formatById(request.format);
    if (!format) {
        return refuse([`unknown export format '${shortText(request.format)}'; formats: ${formatIds().join(', ')}`]);
    }
    let into: { file: string; text: string } | undefined;
    if (request.into !== undefined) {
        const file = path.resolve(request.into);
        if (format.id !== 'libvirt') return refuse([`${escapePath(file)}: --into merges into a libvirt domain, and format ${format.id} writes ${format.label}`]);
        try {
            into = { file, text: fs.readFileSync(file, 'utf8') };
        } catch (err) {
            return refuse([`${escapePath(file)}: cannot read the domain to merge into (${describeError(err)})`]);
        }
    }
    const files = request.files.map(f => path.resolve(f));
    const unsaved = (request.unsaved ?? []).map(u => ({ uri: URI.parse(u), shown: shortText(u) }));
    const shownFiles = [...files.map(escapePath), ...unsaved.map(u => u.shown)].join(', ');
    if (unsaved.length > 0 && request.outDir === undefined) {
        return refuse([`${unsaved[0].shown} is not saved to a file, so there is no folder beside it: choose the output folder`]);
    }
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
        ? Promise.resolve(undefined) : workspace.FileSystemProvider.readFile(uri).catch(() => undefined)));
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
    // Unsaved documents: as the editor holds them (the client sent their text).
    for (const { uri, shown } of unsaved) {
        const open = workspace.LangiumDocuments.getDocument(uri);
        if (!open) return refuse([`${shown} is not open in the editor (an unsaved document is exported from the editor's text)`]);
        if (!documents.includes(open)) documents.push(open);
    }
    // The name each document goes by in messages: the file as given, or the URI of an unsaved one.
    const names = [...files, ...unsaved.map(u => u.shown)];
    const failuresBefore = services.vmtopo.log.InternalErrors.count;
    await workspace.DocumentBuilder.build(documents, { validation: true });
    if (services.vmtopo.log.InternalErrors.count > failuresBefore) {
        // A check that threw did not run completely: its silence is not an approval.
        return refuse([`an internal error stopped a check of ${shownFiles} (see the log), so the files are not known to be valid`]);
    }

    const resolved = services.vmtopo.model.TopologyProvider.get();
    const fileOf = new Map(documents.map((doc, i) => [doc.uri.toString(), names[i]]));
    const declaredIn = (obj: object): string | undefined => {
        const node = resolved.trace.get(obj)?.node;
        return node && fileOf.get(AstUtils.getDocument(node).uri.toString());
    };
    const declared: { vm: VmModel; file: string }[] = [];
    for (const vm of resolved.topology.vms) {
        const file = declaredIn(vm);
        if (file) declared.push({ vm, file });
    }
    const selected = selectTargets(format, request, resolved.topology.hosts, declared, declaredIn, shownFiles);
    if (typeof selected === 'string') return refuse([selected]);

    // A target is only as valid as its host: the file that declares the host of an exported VM (in
    // the editor, another file of the workspace) is validated too (a diagram draws its diagnostics).
    const hostDocuments = [...new Set(selected.map(t => resolved.trace.get(t.host)?.node)
        .filter((node): node is AstNode => node !== undefined)
        .map(node => AstUtils.getDocument(node)))].filter(doc => !documents.includes(doc));
    if (hostDocuments.some(doc => doc.state < DocumentState.Validated)) {
        await workspace.DocumentBuilder.build(hostDocuments.filter(doc => doc.state < DocumentState.Validated), { validation: true });
    }

    // Per target: it is written when it and its host have no error; the others are refused with
    // the errors that block them (blockingErrors), and the rest is still written.
    const nameOfFile = (doc: LangiumDocument): string => fileOf.get(doc.uri.toString()) ?? doc.uri.fsPath;
    const refused: RefusedExport[] = [];
    const errorsByDocument = new Map<LangiumDocument, DocumentError[]>();
    const writable = format.writesWithErrors ? selected : selected.filter(target => {
        const blocking = blockingErrors(target, resolved.trace, documents, errorsByDocument);
        if (blocking.length === 0) return true;
        refused.push({
            kind: target.kind,
            name: target.name,
            errors: blocking.map(b => formatDiagnostic(nameOfFile(b.document), b.diagnostic)),
            locations: blocking.map(b => ({ uri: b.document.uri.toString(), range: b.diagnostic.range }))
        });
        return false;
    });
    if (writable.length === 0) return { ...refuse(refusalProblems(refused)), refused };

    if (into && selected.length !== 1) {
        return refuse([`${escapePath(into.file)}: one domain takes one VM, and ${selected.length} VMs are selected (${selected.map(t => escapeText(t.name)).join(', ')}); name one with --vm`]);
    }
    const write = into ? await mergingWriter(await writerOf(format, services, resolved, request.layoutEngine), into)
        : await writerOf(format, services, resolved, request.layoutEngine);
    const outputs: { name: string; file: string; content: string }[] = [];
    const problems: string[] = [];
    const byTarget = new Map<string, { target: Target; file: string }>();
    for (const target of writable) {
        const dir = request.outDir !== undefined ? path.resolve(request.outDir) : path.join(path.dirname(target.file), 'out');
        const out = path.join(dir, `${target.name}${format.suffix}`);
        const key = sameFileKey(out);
        if (into && (key === sameFileKey(into.file) || sameRealFile(out, into.file))) {
            problems.push(`the merged domain of ${target.kind} ${escapeText(target.name)} would be written over the domain it merges into, ${escapePath(into.file)}; choose another output folder (-o)`);
            continue;
        }
        const other = byTarget.get(key);
        if (other) {
            problems.push(`${other.target.kind} ${escapeText(other.target.name)} of ${escapePath(other.file)} and ${target.kind} ${escapeText(target.name)} of ${escapePath(target.file)} would both be written to ${escapePath(out)}`);
            continue;
        }
        byTarget.set(key, { target, file: target.file });
        try {
            outputs.push({ name: target.name, file: out, content: await write(target) });
        } catch (err) {
            if (!(err instanceof ExportError)) throw err;
            problems.push(err instanceof LocatedExportError ? err.message : `${escapePath(target.file)}: ${escapeText(err.message)}`);
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
            const done = outputs.slice(0, i).map(w => escapeText(w.name));
            const notDone = outputs.slice(i).map(w => escapeText(w.name));
            return {
                ok: false,
                written,
                writeFailed: true,
                ...(refused.length > 0 ? { refused } : {}),
                problems: [`cannot write ${escapePath(o.file)} (${describeError(err)}); `
                    + `${done.length === 0 ? 'nothing was written' : `written: ${done.join(', ')}`}; not written: ${notDone.join(', ')}`]
            };
        }
        written.push(o.file);
    }
    if (refused.length > 0) {
        return { ok: false, written, problems: refusalProblems(refused), refused, exported: outputs.map(o => o.name) };
    }
    return { ok: true, written, problems: [] };
}

/** One error that blocks a target, and its document. */
interface BlockingError {
    document: LangiumDocument;
    diagnostic: Diagnostic;
}

/**
 * The errors that keep `target` from being written, in document order: in the files that declare
 * it, its host and its host's template,
 * - every error inside those declarations (their text, from the first to the last character);
 * - every error outside all top-level declarations of those files (a stray token between blocks);
 * - every syntax error (lexing, parsing) anywhere in those files: a file the parser had to recover
 *   from may have its blocks cut or joined, so none of it is trusted.
 * Errors inside another VM or host of the same file do not block it. A target whose declaration
 * cannot be found is blocked by every error of `fallback`. `cache` holds each document's errors
 * once per export ({@link documentErrors}), so that the targets of one file (3,200 VMs in the
 * bench's 640-host file) do not each walk its declarations again.
 */
function blockingErrors(target: Target, trace: ReturnType<VmtopoCoreServices['model']['TopologyProvider']['get']>['trace'],
    fallback: readonly LangiumDocument[], cache: Map<LangiumDocument, DocumentError[]>): BlockingError[] {
    const hostNode = trace.get(target.host)?.node;
    const templateNode = hostNode && isHost(hostNode) ? hostNode.template?.ref : undefined;
    const scopes = [target.kind === 'VM' ? trace.get(target.vm)?.node : hostNode, hostNode, templateNode];
    if (scopes[0] === undefined || hostNode === undefined) {
        return fallback.flatMap(document => errorsOf(document).map(diagnostic => ({ document, diagnostic })));
    }
    const found: BlockingError[] = [];
    const documents = [...new Set(scopes.filter((n): n is AstNode => n !== undefined).map(n => AstUtils.getDocument(n)))];
    for (const document of documents) {
        const errors = documentErrors(document, cache);
        if (errors.length === 0) continue;
        const own = scopes.filter((n): n is AstNode => n !== undefined && AstUtils.getDocument(n) === document).map(offsetsOf);
        for (const { diagnostic, at, always } of errors) {
            if (always || own.some(r => r !== undefined && at >= r.start && at <= r.end)) found.push({ document, diagnostic });
        }
    }
    return found;
}

/** An error of a document, at a text offset; `always` when it blocks every target of the document. */
interface DocumentError {
    diagnostic: Diagnostic;
    at: number;
    /** A syntax error, or an error outside every top-level declaration. */
    always: boolean;
}

/** The errors of `document` with their offsets, computed once per export and kept in `cache`. */
function documentErrors(document: LangiumDocument, cache: Map<LangiumDocument, DocumentError[]>): DocumentError[] {
    let errors = cache.get(document);
    if (errors) return errors;
    const diagnostics = errorsOf(document);
    const declarations = diagnostics.length === 0 ? [] : [...AstUtils.streamContents(document.parseResult.value)].map(offsetsOf);
    errors = diagnostics.map(diagnostic => {
        const at = document.textDocument.offsetAt(diagnostic.range.start);
        const code = diagnosticCode(diagnostic);
        const outside = !declarations.some(r => r !== undefined && at >= r.start && at <= r.end);
        return { diagnostic, at, always: code === 'lexing-error' || code === 'parsing-error' || outside };
    });
    cache.set(document, errors);
    return errors;
}

/** The errors of a document (warnings and infos never block). */
function errorsOf(document: LangiumDocument): Diagnostic[] {
    return (document.diagnostics ?? []).filter(d => severityName(d) === 'error');
}

/** The text offsets a node was written at, or undefined for a node without text. */
function offsetsOf(node: AstNode): { start: number; end: number } | undefined {
    const cst = node.$cstNode;
    return cst ? { start: cst.offset, end: cst.end } : undefined;
}

/** How many refused targets the headline names (the rest are counted; all are in `refused`). */
const NAMED_IN_HEADLINE = 8;

/**
 * The problems of a refusal: the headline — `VM train: 3 errors (first: FILE:LINE:COL error CODE
 * message)` for one target, `2 VMs with errors: train (3), infer (1); first: …` for several (the first eight named, the rest counted) — then
 * each blocking error once, one line each.
 */
function refusalProblems(refused: readonly RefusedExport[]): string[] {
    const first = refused[0].errors[0];
    const headline = refused.length === 1
        ? `${refused[0].kind} ${escapeText(refused[0].name)}: ${errorCount(refused[0].errors)} (first: ${first})`
        : `${refused.length} ${refused[0].kind}s with errors: ${refused.slice(0, NAMED_IN_HEADLINE).map(r => `${escapeText(r.name)} (${r.errors.length})`).join(', ')}`
            + `${refused.length > NAMED_IN_HEADLINE ? ` and ${refused.length - NAMED_IN_HEADLINE} more` : ''}; first: ${first}`;
    return [headline, ...new Set(refused.flatMap(r => r.errors))];
}

/** One file to write: a VM (per-VM formats) or a host (per-host formats), and the file that declares it. */
type Target =
    | { kind: 'VM'; name: string; file: string; vm: VmModel; host: HostModel }
    | { kind: 'host'; name: string; file: string; host: HostModel };

/**
 * The targets of `request` among the VMs declared in the files (`declared`) and the hosts, or the
 * one line saying why there is none. `declaredIn` names the given file that declares a host or VM.
 */
function selectTargets(format: ExportFormatRecord, request: ExportRequest, hosts: readonly HostModel[],
    declared: readonly { vm: VmModel; file: string }[], declaredIn: (obj: object) => string | undefined, shownFiles: string): Target[] | string {
    const names = (items: readonly string[], what: string) => items.length > 0 ? `${what}: ${items.map(n => escapeText(n)).join(', ')}` : '';
    let vms = declared;
    if (request.vm !== undefined) {
        vms = declared.filter(d => d.vm.name === request.vm);
        if (vms.length === 0) {
            const known = declared.map(d => d.vm.name);
            return `no VM named '${shortText(request.vm)}' in ${shownFiles}; ${known.length > 0 ? names(known, 'VMs') : 'it declares no VM'}`;
        }
    }
    if (format.scope === 'vm') {
        if (request.host !== undefined) {
            const onHost = vms.filter(d => d.vm.host.name === request.host);
            if (onHost.length === 0) {
                const known = [...new Set(vms.map(d => d.vm.host.name))];
                return `no VM of ${shownFiles} runs on a host named '${shortText(request.host)}'; ${known.length > 0 ? names(known, 'their hosts') : 'it declares no VM'}`;
            }
            vms = onHost;
        }
        if (vms.length === 0) return `${shownFiles} declares no VM`;
        const platforms = format.platforms;
        if (platforms && request.vm === undefined) {
            // Every VM of the files: those on hosts the format's files run on (a named VM on another
            // platform is refused by the writer, saying why).
            const runnable = vms.filter(d => platforms.includes(d.vm.host.platform));
            if (runnable.length === 0) {
                const hosts = [...new Set(vms.map(d => `${d.vm.host.platform} host ${escapeText(d.vm.host.name)}`))];
                return `${format.label} files are for VMs on ${platforms.join(' or ')} hosts; the VMs of ${shownFiles} run on ${hosts.join(', ')}`;
            }
            vms = runnable;
        }
        return vms.map(({ vm, file }) => ({ kind: 'VM', name: vm.name, file, vm, host: vm.host }));
    }
    // Per host: the hosts declared in the files and those of the VMs declared in them (workspace order).
    const fileOfHost = new Map<HostModel, string>();
    for (const host of hosts) {
        const file = declaredIn(host);
        if (file && request.vm === undefined) fileOf(fileOfHost, host, file);
    }
    for (const { vm, file } of vms) fileOf(fileOfHost, vm.host, file);
    let targets = hosts.filter(h => fileOfHost.has(h));
    if (request.host !== undefined) {
        const named = targets.filter(h => h.name === request.host);
        if (named.length === 0) {
            return `no host named '${shortText(request.host)}' in ${shownFiles}; ${targets.length > 0 ? names(targets.map(h => h.name), 'hosts') : 'it declares no host'}`;
        }
        targets = named;
    }
    if (targets.length === 0) return `${shownFiles} declares no host and no VM`;
    return targets.map(host => ({ kind: 'host', name: host.name, file: fileOfHost.get(host)!, host }));
}

/** Remembers the first file seen for a host. */
function fileOf(map: Map<HostModel, string>, host: HostModel, file: string): void {
    if (!map.has(host)) map.set(host, file);
}

/** `1 error`, `3 errors`. */
function errorCount(errors: readonly string[]): string {
    return `${errors.length} error${errors.length === 1 ? '' : 's'}`;
}

/** The format's writer (loaded now), as one function of a target. */
async function writerOf(format: ExportFormatRecord, services: { shared: LangiumSharedCoreServices; vmtopo: VmtopoCoreServices },
    resolved: ReturnType<VmtopoCoreServices['model']['TopologyProvider']['get']>, engine: LayoutEngine | undefined): Promise<(target: Target) => Promise<string>> {
    if (format.scope === 'vm') {
        const write = await format.writer();
        return target => {
            if (target.kind !== 'VM') return Promise.reject(new Error(`${format.id} writes one file per VM`));
            const plan: GuestPlan = planGuestAddresses(target.vm);
            return Promise.resolve(write(target.vm, plan));
        };
    }
    const write = await format.writer();
    const docs = services.vmtopo.documentation.DocumentationProvider;
    const context = {
        resolved,
        documents: services.shared.workspace.LangiumDocuments.all,
        documentation: (node: AstNode) => docs.getDocumentation(node),
        engine
    };
    return target => write(target.host, context);
}

/**
 * `write`, then the result merged into the user's domain `into` (`libvirt-merge.ts`, loaded now). A
 * merge refusal becomes an `ExportError` whose message starts with the user's file, line and column.
 */
async function mergingWriter(write: (target: Target) => Promise<string>, into: { file: string; text: string }): Promise<(target: Target) => Promise<string>> {
    const { mergeLibvirtDomain, LibvirtMergeError } = await import('./libvirt-merge.js');
    return async target => {
        const ours = await write(target);
        try {
            return mergeLibvirtDomain(into.text, ours);
        } catch (err) {
            if (err instanceof LibvirtMergeError) throw new LocatedExportError(`${escapePath(into.file)}:${err.line}:${err.column}: ${escapeText(err.message)}`);
            throw err;
        }
    };
}

/** An export refusal whose message already names the file and place it concerns. */
class LocatedExportError extends ExportError {}

/** Whether two paths are one existing file (links followed). */
function sameRealFile(a: string, b: string): boolean {
    try {
        return fs.realpathSync(a) === fs.realpathSync(b);
    } catch {
        return false;
    }
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

