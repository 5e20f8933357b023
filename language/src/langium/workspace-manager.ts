/**
 * The workspace loader, with one change to Langium's: a `.vmtopo` file of the workspace that cannot
 * be read is skipped (and logged) instead of stopping the whole workspace from loading.
 *
 * Langium's `DefaultWorkspaceManager.loadWorkspaceDocuments` reads every file found in the
 * workspace folders with `Promise.all`; one file that cannot be read (no read permission, deleted
 * between listing and reading) rejects it, the workspace's `ready` promise never resolves, and every
 * request that waits for a document state (hover, completion, symbols, code actions…) then waits
 * for ever: the editor gets no answer at all.
 */
import { DefaultWorkspaceManager, isOperationCancelled, type LangiumDocument, type Stream, type URI } from 'langium';
import { shortText } from '../kernel/text.js';

/**
 * `DefaultWorkspaceManager` that loads the readable files of the workspace and skips the others,
 * one line each on stderr (`vmtopo: workspace file skipped: cannot open URI: REASON`). A skipped file is read again when the
 * editor opens it (then the editor's text is used) or when it changes on disk.
 */
export class VmtopoWorkspaceManager extends DefaultWorkspaceManager {
    /** Lines logged for skipped files (also written to stderr); for tests and diagnosis. */
    readonly skipped: string[] = [];

    protected override async loadWorkspaceDocuments(uris: Stream<URI>, collector: (document: LangiumDocument) => void): Promise<void> {
        await Promise.all(uris.map(async uri => {
            try {
                collector(await this.langiumDocuments.getOrCreateDocument(uri));
            } catch (err) {
                if (isOperationCancelled(err)) throw err;
                const line = `vmtopo: workspace file skipped: ${shortText(err instanceof Error ? err.message : String(err), 400)}`;
                this.skipped.push(line);
                console.error(line);
            }
        }));
    }
}
