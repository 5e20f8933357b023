/**
 * Where the export commands write: the `vmtopo.export.outputFolder` setting, resolved against the
 * exported file. Pure function, no `vscode` import: unit-tested.
 */
import * as path from 'node:path';

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
