/**
 * Export API shared by the CLI (`vmtopo export`) and the language server's `vmtopo.export` command:
 * per VM, a libvirt domain XML (`<vm>.domain.xml`) or an NCCL topology XML (`<vm>.nccl-topo.xml`),
 * both from one {@link GuestPlan} so their guest PCI addresses agree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AstUtils, URI, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { VmModel } from '../model/topology.js';
import type { VmtopoServices } from '../vmtopo-module.js';
import { planGuestAddresses } from './address-plan.js';
import { ExportError } from './errors.js';
import { exportLibvirtDomain } from './libvirt.js';
import { exportNcclTopology } from './nccl.js';

export { ExportError } from './errors.js';
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
    /** Absolute paths of the files written. */
    written: string[];
    /** One line each: `file:line:col severity code message`, or a sentence. */
    problems: string[];
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

/** `file:line:col severity code message` with 1-based line and column (the CLI prints the same). */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
    const { line, character } = diagnostic.range.start;
    const severity = severityName(diagnostic);
    const code = diagnostic.code === undefined || diagnostic.code === '' ? '' : ` ${diagnostic.code}`;
    return `${file}:${line + 1}:${character + 1} ${severity}${code} ${messageText(diagnostic).replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * Loads only the given files into the services' workspace, builds them with validation and exports
 * the VMs declared in them (all, or the one named `vm`). Refuses — nothing written, the errors in
 * `problems` — when a file cannot be read, a given document has errors, the VM name is unknown
 * (the problem lists the VM names) or an exporter throws {@link ExportError}. Every file is written
 * with {@link writeFileAtomic}; nothing else in the output folder is touched.
 */
export async function exportFiles(
    services: { shared: LangiumSharedServices; vmtopo: VmtopoServices },
    request: ExportRequest
): Promise<ExportResult> {
    const refuse = (problems: string[]): ExportResult => ({ ok: false, written: [], problems });
    const files = request.files.map(f => path.resolve(f));
    const unreadable = files.flatMap(f => {
        try {
            return fs.statSync(f).isFile() ? [] : [`${f}: not a file`];
        } catch {
            return [`${f}: no such file`];
        }
    });
    if (unreadable.length > 0) return refuse(unreadable);

    const workspace = services.shared.workspace;
    const documents: LangiumDocument[] = [];
    for (const f of files) documents.push(await workspace.LangiumDocuments.getOrCreateDocument(URI.file(f)));
    await workspace.DocumentBuilder.build(documents, { validation: true });

    const errors = documents.flatMap((doc, i) =>
        (doc.diagnostics ?? []).filter(d => severityName(d) === 'error').map(d => formatDiagnostic(files[i], d)));
    if (errors.length > 0) {
        return refuse([`refusing to export: ${errors.length} error${errors.length === 1 ? '' : 's'} in ${files.join(', ')}; nothing was written`, ...errors]);
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
            return refuse([`no VM named '${request.vm}' in ${files.join(', ')}; ${names.length > 0 ? `VMs: ${names.join(', ')}` : 'it declares no VM'}`]);
        }
    } else if (selected.length === 0) {
        return refuse([`${files.join(', ')} declares no VM; nothing to export`]);
    }

    const outputs: { file: string; content: string }[] = [];
    const problems: string[] = [];
    for (const { vm, file } of selected) {
        const dir = request.outDir !== undefined ? path.resolve(request.outDir) : path.join(path.dirname(file), 'out');
        try {
            outputs.push({ file: path.join(dir, exportFileName(vm.name, request.format)), content: exportVm(vm, request.format) });
        } catch (err) {
            if (!(err instanceof ExportError)) throw err;
            problems.push(`${file}: ${err.message}`);
        }
    }
    if (problems.length > 0) return refuse([...problems, 'nothing was written']);
    for (const o of outputs) writeFileAtomic(o.file, o.content);
    return { ok: true, written: outputs.map(o => o.file), problems: [] };
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

/**
 * Writes `content` (UTF-8) to `file` atomically: a temporary file in the same folder, then a
 * rename over the target, so readers see the old or the new file, never a partial one. Creates the
 * folder; removes the temporary file if writing fails.
 */
export function writeFileAtomic(file: string, content: string): void {
    const dir = path.dirname(file);
    ensureDirectory(dir);
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
        fs.writeFileSync(tmp, content, { encoding: 'utf8', flag: 'wx' });
        fs.renameSync(tmp, file);
    } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
    }
}
