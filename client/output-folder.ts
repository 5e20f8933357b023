/**
 * Where the export commands write: the `vmtopo.export.outputFolder` setting, resolved against the
 * exported file, and whether that folder needs the user's confirmation. Pure functions, no `vscode`
 * import: unit-tested.
 */
import * as path from 'node:path';
import { exportRoots, isInsideFolder } from '../language/src/kernel/paths.js';

/** Default of `vmtopo.export.outputFolder`: a folder `out` beside the exported file. */
export const DEFAULT_OUTPUT_FOLDER = 'out';

/**
 * Resolves the setting to an absolute folder.
 * - empty or unset → `<file folder>/out`;
 * - `${workspaceFolder}` and `${fileDirname}` are replaced (the former by the file's folder when the
 *   file is outside every workspace folder);
 * - a relative path is relative to the file's folder; an absolute one is used as it is.
 */
export function resolveOutputFolder(setting: string | undefined, filePath: string, workspaceFolder?: string): string {
    const fileDir = path.dirname(filePath);
    const value = (setting ?? '').trim() || DEFAULT_OUTPUT_FOLDER;
    const expanded = value
        .replaceAll('${workspaceFolder}', workspaceFolder ?? fileDir)
        .replaceAll('${fileDirname}', fileDir);
    return path.resolve(fileDir, expanded);
}

/**
 * Whether `outDir` lies outside every folder the language server lets an export write to without
 * asking: the workspace folders (absolute paths), or the exported file's own folder when no
 * workspace folder is open — the server's rule (`exportRoots` in language/src/kernel/paths.ts).
 * Decided on the paths as given (lexically); the server decides again on real paths, so a link
 * pointing out of the workspace is refused there.
 *
 * @returns true when the user must choose the folder in a dialog before the export may write there.
 */
export function isOutsideWorkspaceFolders(outDir: string, filePath: string, workspaceFolders: readonly string[]): boolean {
    return !exportRoots(workspaceFolders, filePath).some(root => isInsideFolder(root, outDir));
}
