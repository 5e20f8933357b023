/**
 * Helpers for the extension-host suite: the workspace the runner opened (a throw-away copy of
 * examples/), opening documents, and waiting for what the language server publishes.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The extension under test: `publisher.name` of package.json. */
export const EXTENSION_ID = 'vmtopo.vmtopo';

/** The first workspace folder: the runner's copy of examples/ (never the repository itself). */
export function workspaceRoot(): string {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the runner opens a workspace folder (a copy of examples/)');
    return folder.uri.fsPath;
}

export function exampleUri(name: string): vscode.Uri {
    return vscode.Uri.file(path.join(workspaceRoot(), name));
}

/** Opens `name` of the workspace in an editor and returns it. */
export async function openExample(name: string): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(exampleUri(name));
    return vscode.window.showTextDocument(document, { preview: false });
}

/** How long a wait may take before it counts as a hang: generous, so that a loaded machine never fails a test. */
export const WATCHDOG_MS = 60_000;

/** Polls `probe` every 100 ms until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = WATCHDOG_MS): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
        const value = await probe();
        if (value !== undefined && value !== false) {
            return value;
        }
        if (Date.now() > end) {
            throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        }
        await new Promise(resolve => setTimeout(resolve, 100));
    }
}

/**
 * Runs a `vscode.execute…Provider` command, asking again while the language server answers
 * "cancelled" (LSP RequestCancelled / ContentModified, surfaced by the client as an error named
 * `Canceled`): a request that meets a rebuild of the workspace (an open or an edit of another test)
 * is cancelled by Langium's workspace lock, and VS Code's own UI simply asks again. Any other
 * error fails at once; after {@link WATCHDOG_MS} (a hang watchdog, not a bound on speed) the last
 * cancellation is rethrown.
 */
export async function executeProvider<T>(command: string, ...args: unknown[]): Promise<T> {
    const end = Date.now() + WATCHDOG_MS;
    for (;;) {
        try {
            return await vscode.commands.executeCommand<T>(command, ...args);
        } catch (err) {
            const cancelled = err instanceof vscode.CancellationError || /^Canceled$|ContentModified|RequestCancelled/i.test((err as Error)?.message ?? '');
            if (!cancelled || Date.now() > end) throw err;
            await new Promise(resolve => setTimeout(resolve, 200));
        }
    }
}

/** The rule id of a diagnostic: its `code`, plain or `{ value, target }`. */
export function ruleOf(diagnostic: vscode.Diagnostic): string {
    const code = diagnostic.code;
    return String(typeof code === 'object' && code !== null ? code.value : code ?? '');
}

/** Waits until the document has diagnostics and one of them satisfies `match`; returns them all. */
export async function diagnosticsWhere(uri: vscode.Uri, match: (all: vscode.Diagnostic[]) => boolean, ms?: number): Promise<vscode.Diagnostic[]> {
    return waitFor(`diagnostics of ${path.basename(uri.fsPath)}`, () => {
        const all = vscode.languages.getDiagnostics(uri);
        return match(all) ? all : undefined;
    }, ms);
}

/** The label of a completion item as text (`string` or `{ label }`). */
export function labelOf(item: vscode.CompletionItem): string {
    return typeof item.label === 'string' ? item.label : item.label.label;
}
