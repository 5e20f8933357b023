/**
 * Test helper: the BUNDLED language server (`out/server/main.cjs`, what the extension ships), built
 * when missing or older than its sources, spawned with `--stdio` and initialized with one workspace
 * folder, as an editor would.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
    createMessageConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
    type InitializeResult, type MessageConnection
} from 'vscode-languageserver/node';
import { REPO } from './util.js';

export const SERVER = path.join(REPO, 'out/server/main.cjs');

/** Newest modification time (ms) of the sources the server bundle is built from. */
function newestSource(): number {
    let newest = 0;
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
        }
    };
    walk(path.join(REPO, 'language/src'));
    walk(path.join(REPO, 'server'));
    return newest;
}

/** Builds the bundles (esbuild.mjs) when the server bundle is missing or older than its sources. */
export function ensureBundle(): void {
    if (!fs.existsSync(SERVER) || fs.statSync(SERVER).mtimeMs < newestSource()) {
        execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'pipe' });
    }
}

/** `file:` URI of an absolute path. */
export function uriOf(file: string): string {
    return pathToFileURL(file).toString();
}

export interface RunningServer {
    process: ChildProcess;
    connection: MessageConnection;
    init: InitializeResult;
    /** Everything the server wrote to stderr so far. */
    stderr(): string;
}

/**
 * Spawns the bundled server in `workspace` (also its working folder) and sends `initialize` (with
 * `workspace` as the only workspace folder) and `initialized`.
 */
export async function startServer(workspace: string): Promise<RunningServer> {
    ensureBundle();
    const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', chunk => { stderr += String(chunk); });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.listen();
    const init = await connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: uriOf(workspace),
        workspaceFolders: [{ uri: uriOf(workspace), name: path.basename(workspace) }],
        capabilities: {
            textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, rename: { prepareSupport: true } },
            workspace: { workspaceFolders: true, configuration: false }
        }
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return { process: child, connection, init, stderr: () => stderr };
}
