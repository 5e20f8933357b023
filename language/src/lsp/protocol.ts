/**
 * The `vmtopo.export` command as it travels over LSP (`workspace/executeCommand`): its id, its
 * argument and its answer. Shared by the language server (`execute-command.ts`) and the VS Code
 * client (`client/commands/export-command.ts`), so both use one definition. Types, a constant and
 * one pure function, with type-only imports: the client bundle pulls in nothing else from the
 * language.
 */
import type { ExportFormat, ExportResult } from '../export/index.js';

export type { ExportFormat, ExportResult };

/** The command id; the extension's commands call it with one {@link ExportCommandArgs}. */
export const EXPORT_COMMAND = 'vmtopo.export';

/**
 * The one argument of {@link EXPORT_COMMAND}: `arguments: [ExportCommandArgs]`.
 *
 * - `file`: the `.vmtopo` file, an absolute path or a `file:` URI without authority
 *   (`file:///w/a.vmtopo`, not `file://host/…`); `untitled:` and other schemes are refused (save the
 *   document first). It must lie inside a workspace folder of the client (`initialize`
 *   `workspaceFolders`), or, when the client gave none, it is its own root.
 * - `format`: `libvirt` (one domain XML per VM) or `nccl` (one NCCL topology XML per VM).
 * - `vm`: only this VM (default: every VM of the file).
 * - `outDir`: the output folder — absolute, a `file:` URI, or relative to the file's folder;
 *   default `out` beside the file. It must lie inside a workspace folder (on real paths: a link
 *   pointing out of the workspace is refused) unless `outDirChosenByUser` is true.
 * - `outDirChosenByUser`: set by the client only when the user picked or confirmed `outDir` in a
 *   folder dialog; then `outDir` may lie anywhere.
 */
export interface ExportCommandArgs {
    file: string;
    format: ExportFormat;
    vm?: string;
    outDir?: string;
    outDirChosenByUser?: boolean;
}

/**
 * The answer of {@link EXPORT_COMMAND}: `{ ok, written, problems, writeFailed? }` (see
 * {@link ExportResult}). Every refusal — malformed argument, file or folder outside the workspace,
 * errors in the document, a file that could not be written — is `ok: false` with one line per
 * problem, never a protocol error.
 */
export type ExportCommandResult = ExportResult;

/**
 * The one line that says why an export was refused, as the CLI and the editor show it:
 * `export refused: 16 errors in a.vmtopo; nothing was written`. The first problem is the headline
 * (it never says "refused" or "nothing was written" itself); the others are details (the errors,
 * one per line), which the CLI prints before this line and the editor puts in its log.
 */
export function refusalLine(result: Pick<ExportResult, 'problems' | 'written'>): string {
    const headline = result.problems[0] ?? 'unknown error';
    return `export refused: ${headline}; ${result.written.length === 0 ? 'nothing was written' : `written: ${result.written.length} files`}`;
}
