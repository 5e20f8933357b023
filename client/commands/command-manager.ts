/**
 * Command registration, after Bicep's `CommandManager` (Azure/bicep, src/vscode-bicep/src/
 * infrastructure/commands/command-manager.ts, https://github.com/Azure/bicep): one class per command, ids
 * start with `vmtopo.`, a `Uri` first argument (editor context menu / editor title) is passed as
 * `documentUri`, and failures are logged and shown instead of being lost in the extension host.
 */
import * as vscode from 'vscode';

export interface Command {
    /** Command id as declared in package.json `contributes.commands`, e.g. `vmtopo.exportLibvirt`. */
    readonly id: string;
    /**
     * Runs the command. `documentUri` is the resource the menu was opened on, or `undefined` when
     * the command came from the palette or a key binding (then the active editor is meant). A
     * returned promise is awaited.
     */
    execute(documentUri: vscode.Uri | undefined, ...args: unknown[]): unknown;
}

export class CommandManager implements vscode.Disposable {
    private readonly registrations: vscode.Disposable[] = [];

    constructor(private readonly log: vscode.LogOutputChannel) {}

    registerCommands(...commands: Command[]): void {
        for (const command of commands) {
            this.registerCommand(command);
        }
    }

    registerCommand(command: Command): void {
        if (!command.id.startsWith('vmtopo.')) {
            throw new Error(`Command id does not start with 'vmtopo.': ${command.id}`);
        }
        this.registrations.push(vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
            let documentUri: vscode.Uri | undefined;
            if (args[0] instanceof vscode.Uri) {
                documentUri = args[0];
                args = args.slice(1);
            }
            try {
                return await command.execute(documentUri, ...args);
            } catch (err) {
                const message = err instanceof Error ? err.message : String(err);
                this.log.error(`${command.id} failed: ${err instanceof Error && err.stack ? err.stack : message}`);
                void vscode.window.showErrorMessage(`vmtopo: ${message}`);
                return undefined;
            }
        }));
    }

    dispose(): void {
        for (const registration of this.registrations.splice(0)) {
            registration.dispose();
        }
    }
}
