/**
 * Export API shared by the CLI (`vmtopo export`) and the language server's `vmtopo.export` command:
 * per VM, a libvirt domain XML (`<vm>.domain.xml`) or an NCCL topology XML (`<vm>.nccl-topo.xml`),
 * both from one {@link GuestPlan} so their guest PCI addresses agree.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { AstUtils, DocumentState, URI, type AstNode, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { VmModel } from '../../model/topology.js';
import type { VmtopoCoreServices } from '../../langium/services.js';
import { planGuestAddresses } from '../../model/guest-plan.js';
import { ExportError } from '../../model/export-error.js';
import { escapePath, escapeText, shortText } from '../../kernel/text.js';
import { formatDiagnostic, severityName } from '../../kernel/diagnostics.js';
import { describeError, isFsError, removeStaleTempFiles, writeFileAtomic } from '../../kernel/files.js';
import type { ExportFormat, ExportResult } from '../../protocol.js';
import { exportLibvirtDomain } from './libvirt.js';
import { exportNcclTopology } from './nccl.js';

export type { ExportFormat, ExportResult } from '../../protocol.js';


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
    services: { shared: LangiumSharedServices; vmtopo: VmtopoCoreServices },
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

