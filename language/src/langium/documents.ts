/**
 * The workspace's document store, with one change to Langium's: asking for a document that is
 * neither open nor known, and cannot be read, is a clean LSP error instead of an internal one.
 *
 * Langium's request handlers (`createRequestHandler`: references, rename, document highlight, …)
 * call `LangiumDocuments.getOrCreateDocument(uri)`, which reads an unknown URI from disk. For a URI
 * that was never opened and does not exist, that read fails with ENOENT, the handler rethrows it and
 * vscode-jsonrpc answers `-32603 InternalError` with the raw fs message ("ENOENT: no such file or
 * directory, open …"); for an `untitled:` URI it even read `untitled`'s path relative to the
 * server's working directory.
 */
import { DefaultLangiumDocuments, isOperationCancelled, type LangiumDocument, type LangiumSharedCoreServices, type URI } from 'langium';
import type { Cancellation } from 'langium';
// The connection's own ResponseError class (vscode-languageserver → its vscode-jsonrpc copy). Only
// an instance of that class is answered as an error response; see getOrCreateDocument.
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { shortText } from '../kernel/text.js';

/**
 * `DefaultLangiumDocuments` whose {@link getOrCreateDocument} refuses, with a `ResponseError`
 * (`LSPErrorCodes.RequestFailed`, -32803) and a one-line message, to create a document it cannot
 * read: a URI whose scheme is not `file:` or that names another host, a path that is not a regular
 * file (missing, a folder, a FIFO or device — never read, so `/dev/stdin` cannot block the server),
 * or any read error. Documents already known (open in the editor, or loaded from the workspace) are
 * returned as before.
 */
export class VmtopoLangiumDocuments extends DefaultLangiumDocuments {
    protected readonly fileSystem: LangiumSharedCoreServices['workspace']['FileSystemProvider'];

    constructor(services: LangiumSharedCoreServices) {
        super(services);
        this.fileSystem = services.workspace.FileSystemProvider;
    }

    /**
     * The known document for `uri`, or a new one read from disk.
     *
     * @throws ResponseError (`RequestFailed`) when `uri` is unknown and is not a readable regular
     *   `file:` on this machine; the message names the URI and the reason (`no such file`, …). Langium's
     *   request handlers pass it on, so the client gets a clean error response. Thrown from the
     *   connection's `vscode-languageserver` class: Langium's own `ResponseError` comes from another
     *   copy of vscode-jsonrpc in this tree, which the connection would send as a *result*.
     * @throws the cancellation of `cancellationToken`, unchanged.
     */
    override async getOrCreateDocument(uri: URI, cancellationToken?: Cancellation.CancellationToken): Promise<LangiumDocument> {
        const known = this.getDocument(uri);
        if (known) return known;
        const fail = (reason: string): never => {
            throw new ResponseError(LSPErrorCodes.RequestFailed, `cannot open ${shortText(uri.toString(), 300)}: ${reason}`);
        };
        if (uri.scheme !== 'file') {
            fail(`it is not open in the editor, and vmtopo reads only file: documents from disk (not ${shortText(uri.scheme, 40)}:)`);
        }
        if (uri.authority !== '') {
            fail(`it names a file on another host (${shortText(uri.authority, 60)})`);
        }
        try {
            const node = await this.fileSystem.stat(uri);
            if (!node.isFile) fail(node.isDirectory ? 'it is a folder' : 'it is not a regular file');
            return await super.getOrCreateDocument(uri, cancellationToken);
        } catch (err) {
            if (err instanceof ResponseError || isOperationCancelled(err)) throw err;
            return fail(`${describeReadError(err)}, and it is not open in the editor`);
        }
    }
}

/** `ENOENT` → `no such file`, `EACCES` → `permission denied`, …; otherwise the error's message. */
function describeReadError(err: unknown): string {
    switch ((err as NodeJS.ErrnoException | undefined)?.code) {
        case 'ENOENT': return 'no such file';
        case 'ENOTDIR': return 'no such file (a parent is not a folder)';
        case 'EISDIR': return 'it is a folder';
        case 'EACCES':
        case 'EPERM': return 'permission denied';
        case 'ELOOP': return 'too many symbolic links';
        case 'ENAMETOOLONG': return 'file name too long';
        default: return shortText(err instanceof Error ? err.message : String(err), 200);
    }
}
