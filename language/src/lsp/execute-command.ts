/**
 * `workspace/executeCommand` handler of the vmtopo language server. The VS Code commands
 * "vmtopo: Export libvirt XML" and "vmtopo: Export NCCL topology XML" send
 * `vmtopo.export` here, so the editor exports with exactly the code the CLI uses
 * (`exportFiles` in `../export/index.ts`), as Bicep's build command does (anchors §2.2).
 */
import { URI, type LangiumCoreServices } from 'langium';
import { AbstractExecuteCommandHandler, type ExecuteCommandAcceptor, type LangiumSharedServices } from 'langium/lsp';
import { exportFiles, type ExportFormat, type ExportResult } from '../export/index.js';
import type { VmtopoServices } from '../vmtopo-module.js';

/** The command id; the extension's commands call it with one {@link ExportCommandArgs}. */
export const EXPORT_COMMAND = 'vmtopo.export';

/**
 * Argument of {@link EXPORT_COMMAND}.
 * - `file`: the `.vmtopo` file, as an absolute path or a `file:` URI string;
 * - `format`: `libvirt` (one domain XML per VM) or `nccl` (one NCCL topology XML per VM);
 * - `vm`: only this VM (default: every VM of the file);
 * - `outDir`: absolute output folder (default: the exporter's default).
 */
export interface ExportCommandArgs {
    file: string;
    format: ExportFormat;
    vm?: string;
    outDir?: string;
}

const FORMATS: readonly ExportFormat[] = ['libvirt', 'nccl'];

/**
 * Checks the shape of the command's argument. Returns the argument or a message saying what is wrong
 * (the client is not the only caller: any LSP client can send this command).
 */
export function parseExportArgs(arg: unknown): ExportCommandArgs | string {
    if (typeof arg !== 'object' || arg === null) {
        return `${EXPORT_COMMAND} expects one argument { file, format, vm?, outDir? }`;
    }
    const { file, format, vm, outDir } = arg as Record<string, unknown>;
    if (typeof file !== 'string' || file.length === 0) {
        return `${EXPORT_COMMAND}: 'file' must be a path or a file: URI`;
    }
    if (typeof format !== 'string' || !(FORMATS as readonly string[]).includes(format)) {
        return `${EXPORT_COMMAND}: 'format' must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format)}`;
    }
    if (vm !== undefined && vm !== null && typeof vm !== 'string') {
        return `${EXPORT_COMMAND}: 'vm' must be a VM name`;
    }
    if (outDir !== undefined && outDir !== null && typeof outDir !== 'string') {
        return `${EXPORT_COMMAND}: 'outDir' must be a folder path`;
    }
    return {
        file: toFsPath(file),
        format: format as ExportFormat,
        vm: typeof vm === 'string' && vm.length > 0 ? vm : undefined,
        outDir: typeof outDir === 'string' && outDir.length > 0 ? toFsPath(outDir) : undefined
    };
}

/** `file:///a/b.vmtopo` → `/a/b.vmtopo`; a plain path is returned as it is. */
function toFsPath(pathOrUri: string): string {
    return pathOrUri.startsWith('file:') ? URI.parse(pathOrUri).fsPath : pathOrUri;
}

function isVmtopoServices(services: LangiumCoreServices): services is VmtopoServices {
    return services.LanguageMetaData.languageId === 'vmtopo' && 'model' in services;
}

/**
 * Registers `vmtopo.export`: `({ file, format, vm?, outDir? }) → { ok, written, problems }`
 * ({@link ExportResult}; `written` holds absolute paths). A document with errors is refused by the
 * exporter (`ok: false`, the errors in `problems`); a malformed argument gives `ok: false` too, never
 * a protocol error.
 */
export class VmtopoExecuteCommandHandler extends AbstractExecuteCommandHandler {
    constructor(protected readonly shared: LangiumSharedServices) {
        super();
    }

    registerCommands(accept: ExecuteCommandAcceptor): void {
        accept(EXPORT_COMMAND, args => this.export(args[0]));
    }

    protected async export(arg: unknown): Promise<ExportResult> {
        const parsed = parseExportArgs(arg);
        if (typeof parsed === 'string') {
            return { ok: false, written: [], problems: [parsed] };
        }
        const vmtopo = this.shared.ServiceRegistry.all.find(isVmtopoServices);
        if (!vmtopo) {
            return { ok: false, written: [], problems: ['the vmtopo language is not registered in this server'] };
        }
        try {
            // A (normal) read waits for the build of pending edits, and no rebuild starts while the
            // export runs: the exported text is the validated text.
            return await this.shared.workspace.WorkspaceLock.read(() => exportFiles({ shared: this.shared, vmtopo }, {
                files: [parsed.file], format: parsed.format, vm: parsed.vm, outDir: parsed.outDir
            }));
        } catch (err) {
            return { ok: false, written: [], problems: [err instanceof Error ? err.message : String(err)] };
        }
    }
}
