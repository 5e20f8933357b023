/**
 * "vmtopo: Export libvirt XML" and "vmtopo: Export NCCL topology XML". The target is the VM at the
 * cursor of the active vmtopo editor, or one picked from the file's VMs (or all of them); the
 * output folder comes from `vmtopo.export.outputFolder`. The export itself runs in the language
 * server (`workspace/executeCommand` `vmtopo.export`), with the same exporter as the CLI; a file
 * with errors is refused there and the errors are shown here.
 *
 * The server writes only inside the workspace folders (or the file's folder when none is open).
 * When the configured folder lies outside them, a modal dialog asks the user to choose a folder,
 * and only a folder picked there is sent with `outDirChosenByUser: true`; cancelling exports
 * nothing.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';
import type { Command } from './command-manager.js';
import { vmAtPosition, vmSymbols, type SymbolLike } from '../vm-locator.js';
import { isOutsideWorkspaceFolders, resolveOutputFolder } from '../output-folder.js';
import {
    EXPORT_COMMAND, type ExportCommandArgs, type ExportCommandResult as ExportResult, type ExportFormat
} from '../../language/src/protocol.js';
import { refusalLine } from '../../language/src/kernel/diagnostics.js';

export type { ExportFormat };

/** The button of the modal dialog shown for an output folder outside the workspace folders. */
const CHOOSE_FOLDER = 'Choose Folder…';

const FORMAT_LABEL: Record<ExportFormat, string> = {
    libvirt: 'libvirt domain XML',
    nccl: 'NCCL topology XML'
};

abstract class ExportCommand implements Command {
    abstract readonly id: string;
    protected abstract readonly format: ExportFormat;

    constructor(
        private readonly client: () => Promise<LanguageClient>,
        private readonly log: vscode.LogOutputChannel
    ) {}

    /**
     * `documentUri`: the file (default: the active editor's). `vm`: a VM name of that file, for
     * scripts, key bindings and tests (`executeCommand('vmtopo.exportLibvirt', uri, 'train-a')`);
     * without it the VM at the cursor or the pick list decides. Resolves once the files are
     * written (or the export is refused), with the server's answer; the notification that follows
     * is not waited for.
     */
    async execute(documentUri: vscode.Uri | undefined, vm?: unknown): Promise<ExportResult | undefined> {
        const editor = vscode.window.activeTextEditor;
        const uri = documentUri ?? editor?.document.uri;
        if (!uri) {
            void vscode.window.showWarningMessage('vmtopo: open a .vmtopo file to export it.');
            return undefined;
        }
        if (uri.scheme !== 'file') {
            void vscode.window.showWarningMessage(`vmtopo: only files on disk can be exported, not ${uri.scheme}: documents.`);
            return undefined;
        }
        const document = editor?.document.uri.toString() === uri.toString()
            ? editor.document
            : await vscode.workspace.openTextDocument(uri);
        if (document.languageId !== 'vmtopo') {
            void vscode.window.showWarningMessage(`vmtopo: ${path.basename(uri.fsPath)} is not a vmtopo file.`);
            return undefined;
        }

        const target = typeof vm === 'string' && vm.length > 0
            ? vm
            : await this.pickVm(document, editor?.document === document ? editor : undefined);
        if (target === undefined) {
            return undefined; // cancelled, or no VM in the file
        }
        if (document.isDirty && !(await document.save())) {
            void vscode.window.showErrorMessage(`vmtopo: ${path.basename(uri.fsPath)} could not be saved; nothing was exported.`);
            return undefined;
        }

        const setting = vscode.workspace.getConfiguration('vmtopo', uri).get<string>('export.outputFolder');
        const configured = resolveOutputFolder(setting, uri.fsPath, vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath);
        const chosen = await this.confirmOutputFolder(configured, uri.fsPath);
        if (chosen === undefined) {
            this.log.info(`export ${this.format} ${uri.fsPath}: cancelled (output folder ${configured} is outside the workspace folders)`);
            return undefined;
        }
        const { outDir, outDirChosenByUser } = chosen;
        const vmName = target === ALL ? undefined : target;
        this.log.info(`export ${this.format} ${uri.fsPath}${vmName ? ` --vm ${vmName}` : ''} -o ${outDir}${outDirChosenByUser ? ' (chosen in the folder dialog)' : ''}`);

        const args: ExportCommandArgs = { file: uri.fsPath, format: this.format, vm: vmName, outDir };
        if (outDirChosenByUser) {
            args.outDirChosenByUser = true;
        }
        const client = await this.client();
        const result = await client.sendRequest(ExecuteCommandRequest.type, {
            command: EXPORT_COMMAND,
            arguments: [args]
        }) as ExportResult | undefined | null;
        // The notification waits for a click; the command's caller should not.
        void this.report(result, outDir).catch(err => this.log.error(`export report failed: ${String(err)}`));
        return result ?? undefined;
    }

    /**
     * The configured output folder when it lies inside a workspace folder (or the file's folder when
     * no workspace folder is open); otherwise a folder the user picks after a modal warning, marked
     * `outDirChosenByUser`. Undefined when the user cancels either dialog.
     */
    private async confirmOutputFolder(configured: string, filePath: string): Promise<{ outDir: string; outDirChosenByUser: boolean } | undefined> {
        const folders = (vscode.workspace.workspaceFolders ?? [])
            .filter(folder => folder.uri.scheme === 'file')
            .map(folder => folder.uri.fsPath);
        if (!isOutsideWorkspaceFolders(configured, filePath, folders)) {
            return { outDir: configured, outDirChosenByUser: false };
        }
        const where = folders.length > 0 ? 'outside the workspace folders' : `outside the folder of ${path.basename(filePath)}`;
        const answer = await vscode.window.showWarningMessage(
            `vmtopo: the output folder ${configured} is ${where}.`,
            {
                modal: true,
                detail: 'The export writes outside the workspace only into a folder you choose. '
                    + 'Choose the folder to export to, or cancel and change the setting vmtopo.export.outputFolder.'
            },
            CHOOSE_FOLDER);
        if (answer !== CHOOSE_FOLDER) {
            return undefined;
        }
        const picked = await vscode.window.showOpenDialog({
            canSelectFolders: true,
            canSelectFiles: false,
            canSelectMany: false,
            defaultUri: vscode.Uri.file(configured),
            openLabel: 'Export Here',
            title: `Export ${FORMAT_LABEL[this.format]} to`
        });
        const folder = picked?.[0];
        if (!folder || folder.scheme !== 'file') {
            return undefined;
        }
        return { outDir: folder.fsPath, outDirChosenByUser: true };
    }

    /** The VM at the cursor, else a pick from the file's VMs; `ALL` for every VM; undefined if none. */
    private async pickVm(document: vscode.TextDocument, editor: vscode.TextEditor | undefined): Promise<string | undefined> {
        // The language server's outline: VMs are top-level Object symbols (language/src/editor/node-kind.ts).
        const found = await vscode.commands.executeCommand<Array<vscode.DocumentSymbol | vscode.SymbolInformation> | undefined>(
            'vscode.executeDocumentSymbolProvider', document.uri);
        const symbols = (found ?? []).filter((s): s is vscode.DocumentSymbol => 'range' in s) as SymbolLike[];
        if (editor) {
            const atCursor = vmAtPosition(symbols, vscode.SymbolKind.Object, editor.selection.active);
            if (atCursor) {
                return atCursor.name;
            }
        }
        const vms = vmSymbols(symbols, vscode.SymbolKind.Object);
        if (vms.length === 0) {
            void vscode.window.showWarningMessage(`vmtopo: ${path.basename(document.uri.fsPath)} declares no VM to export.`);
            return undefined;
        }
        if (vms.length === 1) {
            return vms[0].name;
        }
        const items: Array<vscode.QuickPickItem & { vm: string }> = [
            { label: '$(list-flat) All VMs', description: `${vms.length} VMs`, vm: ALL },
            ...vms.map(block => ({ label: block.name, description: `on ${block.host}`, vm: block.name }))
        ];
        const picked = await vscode.window.showQuickPick(items, {
            title: `Export ${FORMAT_LABEL[this.format]}`,
            placeHolder: 'Which VM?'
        });
        return picked?.vm;
    }

    private async report(result: ExportResult | undefined | null, outDir: string): Promise<void> {
        if (!result) {
            this.log.error('the language server did not answer vmtopo.export');
            void vscode.window.showErrorMessage('vmtopo: the language server did not answer the export request.');
            return;
        }
        for (const file of result.written) {
            this.log.info(`wrote ${file}`);
        }
        for (const problem of result.problems) {
            if (result.ok) this.log.warn(problem);
            else this.log.error(problem);
        }
        if (!result.ok) {
            const details = result.problems.length > 1 ? ' (the errors are in the log)' : '';
            const choice = await vscode.window.showErrorMessage(`vmtopo: ${refusalLine(result)}${details}`, 'Show Log');
            if (choice === 'Show Log') {
                this.log.show(true);
            }
            return;
        }
        const where = result.written.length === 1 ? result.written[0] : outDir;
        const choice = await vscode.window.showInformationMessage(
            `vmtopo: wrote ${result.written.length} ${FORMAT_LABEL[this.format]} file(s) to ${where}`,
            ...revealChoices());
        const target = vscode.Uri.file(result.written[0] ?? outDir);
        if (choice === OPEN && result.written.length > 0) {
            await vscode.window.showTextDocument(target);
        } else if (choice === REVEAL_IN_EXPLORER) {
            // The Explorer view: works in desktop, remote and web workbenches.
            await vscode.commands.executeCommand('revealInExplorer', target);
        } else if (choice === REVEAL_IN_OS) {
            await vscode.commands.executeCommand('revealFileInOS', target);
        }
    }
}

const OPEN = 'Open';
const REVEAL_IN_EXPLORER = 'Reveal in Explorer View';
const REVEAL_IN_OS = process.platform === 'darwin' ? 'Reveal in Finder' : process.platform === 'win32' ? 'Reveal in File Explorer' : 'Open Containing Folder';

/**
 * The buttons after an export: open the file, reveal it in the Explorer view, and — only in a
 * desktop workbench on the local machine, where `revealFileInOS` exists and the file is on this
 * machine — reveal it in the operating system's file manager.
 */
function revealChoices(): string[] {
    const local = vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined;
    return local ? [OPEN, REVEAL_IN_EXPLORER, REVEAL_IN_OS] : [OPEN, REVEAL_IN_EXPLORER];
}

/** Marker for "every VM of the file" in the pick list (not a valid identifier, so no VM has it). */
const ALL = '*';

export class ExportLibvirtCommand extends ExportCommand {
    readonly id = 'vmtopo.exportLibvirt';
    protected readonly format = 'libvirt';
}

export class ExportNcclCommand extends ExportCommand {
    readonly id = 'vmtopo.exportNccl';
    protected readonly format = 'nccl';
}
