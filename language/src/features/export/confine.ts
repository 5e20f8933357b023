/**
 * Confinement of the language server's export (`vmtopo.export`): which files it may read and which
 * folders it may write to. The command can be sent by any LSP client with any argument, so the
 * server exports only a file inside a *root* — a workspace folder the client gave in `initialize`,
 * or, when it gave none, the exported file's own folder — and writes only into a folder inside a
 * root, unless the user chose that folder in a dialog (`outDirChosenByUser`).
 *
 * "Inside" is decided on real paths ({@link realPathOf}): a symbolic link such as `out → /etc`
 * inside the workspace does not let an export out of it. The CLI does not use this module: there
 * the user names the output folder on the command line.
 *
 * Limits: the check and the write are not atomic (a folder swapped for a link between the two is
 * not detected), and the roots are the folders of `initialize` (Langium 4.4 does not track
 * `workspace/didChangeWorkspaceFolders`).
 */
import * as path from 'node:path';
import { escapePath, escapeText } from '../../kernel/text.js';
import { isInsideFolder, realPathOf } from '../../kernel/paths.js';


/** What {@link confineExport} checks: absolute paths, as the export will use them. */
export interface ExportPlace {
    /** The `.vmtopo` file to export. */
    file: string;
    /** The folder the export writes to. */
    outDir: string;
    /** True when the user picked `outDir` in a folder dialog: it may then lie outside the roots. */
    outDirChosenByUser: boolean;
}

/**
 * Checks that `place.file` lies inside one of `roots` and that `place.outDir` does too (unless
 * `outDirChosenByUser`), both on real paths ({@link realPathOf}; the roots are resolved the same way).
 *
 * @returns undefined when the export may go ahead; otherwise one line saying why not, naming the
 *   file or folder (and its real path when that differs) and the roots. Never throws: a path whose
 *   real path cannot be found (EACCES, ELOOP…) is refused with the reason.
 */
export function confineExport(place: ExportPlace, roots: readonly string[]): string | undefined {
    const realRoots: string[] = [];
    for (const root of roots) {
        const real = tryRealPath(root);
        if (typeof real === 'string') realRoots.push(real);
    }
    const shownRoots = roots.length === 0 ? '(none)' : roots.map(escapePath).join(', ');
    const where = roots.length === 1 ? `the folder ${shownRoots}` : `the workspace folders ${shownRoots}`;

    const file = tryRealPath(place.file);
    if (typeof file !== 'string') {
        return `cannot resolve the real path of ${escapePath(place.file)} (${file.reason})`;
    }
    if (!realRoots.some(root => isInsideFolder(root, file))) {
        return `${escapePath(place.file)}${alias(place.file, file)} lies outside ${where}`;
    }

    if (place.outDirChosenByUser) return undefined;
    const outDir = tryRealPath(place.outDir);
    if (typeof outDir !== 'string') {
        return `cannot resolve the real path of the output folder ${escapePath(place.outDir)} (${outDir.reason})`;
    }
    if (!realRoots.some(root => isInsideFolder(root, outDir))) {
        return `the output folder ${escapePath(place.outDir)}${alias(place.outDir, outDir)} lies outside ${where}`;
    }
    return undefined;
}

/** ` (real path /x)` when the real path differs from the path as given, else ''. */
function alias(given: string, real: string): string {
    return path.resolve(given) === real ? '' : ` (real path ${escapePath(real)})`;
}

function tryRealPath(file: string): string | { reason: string } {
    try {
        return realPathOf(file);
    } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return { reason: escapeText(e.code ?? (e instanceof Error ? e.message : String(err))) };
    }
}
