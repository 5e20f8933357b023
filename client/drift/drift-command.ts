/**
 * "vmtopo: Check Drift Against Bundle…": pick a bundle that `vmtopo collect` made on a host (a
 * `.tar` or `.tar.gz`), and let the language server compare the workspace's files of that host with
 * it (`vmtopo.drift`): the findings appear as diagnostics in the Problems view, with the quick-fix
 * "Accept the live value" where the file should follow the host. The answer is shown as a message.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import type { Command } from '../commands/command-manager.js';
import { DRIFT_COMMAND, type DriftCommandArgs, type DriftCommandResult } from '../../language/src/protocol.js';

export class CheckDriftCommand implements Command {
    readonly id = 'vmtopo.checkDrift';

    constructor(private readonly client: () => Promise<LanguageClient>, private readonly log: vscode.LogOutputChannel) {}

    /** Given a bundle's URI (explorer context menu, another extension, a test), uses it; otherwise asks with an open dialog. */
    async execute(bundleUri?: vscode.Uri): Promise<DriftCommandResult | undefined> {
        const picked = bundleUri ? [bundleUri] : await vscode.window.showOpenDialog({
            canSelectMany: false,
            openLabel: 'Check Drift',
            title: 'Check drift: a bundle made on the host by `vmtopo collect`',
            filters: { 'vmtopo bundles': ['tar', 'gz', 'tgz'], 'All files': ['*'] }
        });
        if (!picked || picked.length === 0) return undefined;
        const client = await this.client();
        const args: DriftCommandArgs = { bundle: picked[0].toString() };
        const result = await client.sendRequest(ExecuteCommandRequest.type, { command: DRIFT_COMMAND, arguments: [args] }) as DriftCommandResult;
        if (!result.ok) throw new Error(result.message);
        this.log.info(result.message);
        void vscode.window.showInformationMessage(`vmtopo: ${result.message}`);
        return result;
    }
}
