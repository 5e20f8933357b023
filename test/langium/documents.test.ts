/**
 * Documents the server does not know. `LangiumDocuments.getOrCreateDocument` is what Langium's
 * request handlers (references, rename…) call for the URI of a request; for a URI that was never
 * opened it must either read a real file or refuse with a clean `ResponseError` (code -32803,
 * RequestFailed, one line) — never let a raw fs error through, never read a non-`file:` URI as a
 * path, never block on a FIFO. And one unreadable file of the workspace must not stop the
 * workspace from loading.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DefaultWorkspaceManager, URI } from 'langium';
import { NodeFileSystem, NodeFileSystemProvider } from 'langium/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { VmtopoLangiumDocuments } from '../../language/src/langium/documents.js';
import { VmtopoWorkspaceManager } from '../../language/src/langium/workspace-manager.js';

let dir: string;
beforeEach(() => { dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-docs-'))); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The rejection of `promise` (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
    const outcome = await promise.then(() => undefined, (err: unknown) => err);
    expect(outcome).toBeInstanceOf(ResponseError);
    return outcome as ResponseError<unknown>;
}

describe('VmtopoLangiumDocuments.getOrCreateDocument for a URI that is not open', () => {
    const documents = () => createVmtopoServices(NodeFileSystem).shared.workspace.LangiumDocuments;

    it('is the document store of the services', () => {
        expect(documents()).toBeInstanceOf(VmtopoLangiumDocuments);
    });

    it('reads an existing file', async () => {
        const file = path.join(dir, 'a.vmtopo');
        fs.writeFileSync(file, 'host h { platform kvm }\n');
        const doc = await documents().getOrCreateDocument(URI.file(file));
        expect(doc.textDocument.getText()).toBe('host h { platform kvm }\n');
    });

    it.each([
        ['a missing file', () => URI.file(path.join(dir, 'missing.vmtopo')), 'no such file, and it is not open in the editor'],
        ['a file under a missing folder', () => URI.file(path.join(dir, 'no', 'such', 'x.vmtopo')), 'no such file, and it is not open in the editor'],
        ['a folder', () => { fs.mkdirSync(path.join(dir, 'd.vmtopo')); return URI.file(path.join(dir, 'd.vmtopo')); }, 'it is a folder'],
        ['an untitled: document', () => URI.parse('untitled:Untitled-1.vmtopo'), 'it is not open in the editor, and vmtopo reads only file: documents from disk (not untitled:)'],
        ['a file on another host', () => URI.parse('file://otherhost/share/a.vmtopo'), 'it names a file on another host (otherhost)']
    ])('refuses %s with RequestFailed and one line', async (_what, uriOf, reason) => {
        const uri = uriOf();
        const error = await rejection(documents().getOrCreateDocument(uri));
        expect(error.code).toBe(LSPErrorCodes.RequestFailed);
        expect(error.message).toBe(`cannot open ${uri.toString()}: ${reason}`);
        expect(error.message).not.toMatch(/ENOENT|EISDIR|\n/);
    });

    it.skipIf(spawnSync('mkfifo', ['--version']).status !== 0)('refuses a FIFO without reading it (a read would block)', async () => {
        const fifo = path.join(dir, 'pipe.vmtopo');
        expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
        const error = await rejection(documents().getOrCreateDocument(URI.file(fifo)));
        expect(error.message).toBe(`cannot open ${URI.file(fifo).toString()}: it is not a regular file`);
    });
});

describe('loading a workspace with a file that cannot be read', () => {
    /** The workspace folder `dir` with `ok.vmtopo` and `secret.vmtopo`, whose read fails with EACCES. */
    function setUp() {
        fs.writeFileSync(path.join(dir, 'ok.vmtopo'), 'host h { platform kvm }\n');
        fs.writeFileSync(path.join(dir, 'secret.vmtopo'), 'host s { platform kvm }\n');
        // The file system as a user without read permission on secret.vmtopo sees it (tests may run as root).
        class NoReadOfSecret extends NodeFileSystemProvider {
            override readFile(uri: URI): Promise<string> {
                if (uri.path.endsWith('/secret.vmtopo')) {
                    return Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${uri.fsPath}'`), { code: 'EACCES', syscall: 'open' }));
                }
                return super.readFile(uri);
            }
        }
        return createVmtopoServices({ fileSystemProvider: () => new NoReadOfSecret() }).shared;
    }
    const folders = () => [{ uri: URI.file(dir).toString(), name: 'ws' }];

    it('Langium\'s default loader fails as a whole (its ready promise would never resolve)', async () => {
        const shared = setUp();
        await expect(new DefaultWorkspaceManager(shared).initializeWorkspace(folders())).rejects.toThrow(/permission denied/);
    });

    it('VmtopoWorkspaceManager loads the readable files and logs the skipped one', async () => {
        const shared = setUp();
        const manager = new VmtopoWorkspaceManager(shared);
        const logged: unknown[] = [];
        const original = console.error;
        console.error = (...args: unknown[]) => { logged.push(args.join(' ')); };
        try {
            await manager.initializeWorkspace(folders());
        } finally {
            console.error = original;
        }
        await manager.ready;
        expect(shared.workspace.LangiumDocuments.all.map(d => path.basename(d.uri.fsPath)).toArray()).toEqual(['ok.vmtopo']);
        const line = `vmtopo: workspace file skipped: cannot open ${URI.file(path.join(dir, 'secret.vmtopo')).toString()}: permission denied, and it is not open in the editor`;
        expect(manager.skipped).toEqual([line]);
        expect(logged).toEqual([line]);
    });
});
