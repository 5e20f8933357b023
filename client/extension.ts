/**
 * The vmtopo VS Code extension: starts the bundled language server (`out/server/main.cjs`) over IPC
 * and registers the export commands. Logs go to the "vmtopo" log output channel; there is no
 * telemetry.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { CommandManager } from './commands/command-manager.js';
import { ExportLibvirtCommand, ExportNcclCommand } from './commands/export-command.js';
import { ExportTopologySvgCommand, ShowTopologyCommand, registerTopologySerializer } from './topology/panel.js';
import { ImportHostCommand } from './import/import-command.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const log = vscode.window.createOutputChannel('vmtopo', { log: true });
    context.subscriptions.push(log);

    const serverModule = context.asAbsolutePath('out/server/main.cjs');
    const serverOptions: ServerOptions = {
        run: { module: serverModule, transport: TransportKind.ipc },
        debug: {
            module: serverModule,
            transport: TransportKind.ipc,
            options: { execArgv: ['--nolazy', `--inspect=${process.env.VMTOPO_DEBUG_PORT ?? '6009'}`] }
        }
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [{ scheme: 'file', language: 'vmtopo' }],
        outputChannel: log,
        synchronize: {
            // Several files make one workspace (hosts in one, VMs in another): watch them all.
            fileEvents: vscode.workspace.createFileSystemWatcher('**/*.vmtopo')
        }
    };
    const languageClient = new LanguageClient('vmtopo', 'vmtopo language server', serverOptions, clientOptions);
    client = languageClient;
    const started = languageClient.start().then(() => languageClient, err => {
        log.error(`the vmtopo language server did not start: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
    });

    const commands = new CommandManager(log);
    context.subscriptions.push(commands);
    commands.registerCommands(
        new ExportLibvirtCommand(() => started, log),
        new ExportNcclCommand(() => started, log)
    );
    // Topology view (client/topology/): the panel, its export, and its restore after a reload.
    commands.registerCommands(
        new ShowTopologyCommand(context.extensionUri, () => started, log),
        new ExportTopologySvgCommand(() => started, log)
    );
    context.subscriptions.push(registerTopologySerializer(context.extensionUri, () => started, log));
    // "vmtopo: Import Host…" (client/import/): hwloc, NCCL or nvidia-smi output → a new vmtopo document.
    commands.registerCommands(new ImportHostCommand(() => started, log));
    await started;
    log.info(`vmtopo language server started (${serverModule})`);
}

export function deactivate(): Promise<void> | undefined {
    const stopping = client?.stop();
    client = undefined;
    return stopping;
}
