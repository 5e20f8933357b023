/**
 * Paths as the export's confinement judges them: real paths (links resolved) of files that may not
 * exist yet, "inside a folder" compared lexically, and the roots an export may use. Pure apart from
 * `realPathOf`, which reads the file system.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The real path of `file`: `fs.realpathSync` of its deepest existing ancestor, with the components
 * that do not exist yet appended. `file` is made absolute first (`path.resolve`, which also removes
 * `.` and `..` lexically — the export then writes to exactly that lexical path).
 *
 * A component that is missing (ENOENT) or is not a folder (ENOTDIR) ends the resolution there: the
 * rest cannot be a link, and writing below it will fail anyway.
 *
 * @throws the fs error of `realpathSync` for anything else (EACCES, ELOOP, …): the path cannot be
 *   judged, so the caller refuses it.
 */
export function realPathOf(file: string): string {
    const absolute = path.resolve(file);
    const rest: string[] = [];
    let current = absolute;
    for (;;) {
        try {
            const real = fs.realpathSync(current);
            return rest.length === 0 ? real : path.join(real, ...rest.reverse());
        } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            const parent = path.dirname(current);
            if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw err;
            rest.push(path.basename(current));
            current = parent;
        }
    }
}

/**
 * Whether `candidate` is `folder` or lies below it, compared as given (lexically, with
 * `path.relative`, never by string prefix: `/w2` is not inside `/w`). Pure.
 */
export function isInsideFolder(folder: string, candidate: string): boolean {
    const relative = path.relative(path.resolve(folder), path.resolve(candidate));
    return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The folders an export may use: the workspace folders (absolute paths), or — when there are
 * none — the exported file's own folder. Pure.
 */
export function exportRoots(workspaceFolders: readonly string[], file: string): string[] {
    return workspaceFolders.length > 0 ? [...workspaceFolders] : [path.dirname(path.resolve(file))];
}

