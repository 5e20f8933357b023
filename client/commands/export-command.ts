/**
 * The export commands: "vmtopo: Export libvirt XML", "vmtopo: Export NCCL topology XML", "vmtopo:
 * Export Topology as SVG" (and "vmtopo: Export libvirt Domain Into…", {@link ExportIntoCommand}) — one {@link ExportCommand} per descriptor of `export-formats.ts`, which
 * `npm run docs` generates from the export-format registry (as it generates the commands and menus
 * of package.json). The target is, for a per-VM format, the VM at the cursor of the active vmtopo
 * editor, or one picked from the file's VMs (or all of them); for a per-host format, the host the
 * topology view shows for this file, else the host (or VM's host) at the cursor, or one picked from
 * the file's hosts (or all). The output folder comes from `vmtopo.export.outputFolder`. The export
 * itself runs in the language server (`workspace/executeCommand` `vmtopo.export`), with the same
 * exporter as the CLI: each VM is written when it and its host have no error (unless the format
 * draws them); a refusal names the blocking errors, with "Show in Problems". An unsaved (untitled)
 * document is exported from the editor's text into a folder picked in a dialog.
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
import type { ExportCommandDescriptor } from './export-formats.js';
import { hostAtPosition, hostNames, vmAtPosition, vmSymbols, type SymbolLike } from '../vm-locator.js';
import { isOutsideWorkspaceFolders, resolveOutputFolder } from '../output-folder.js';
import { EXPORT_COMMAND, type ExportCommandArgs, type ExportCommandResult as ExportResult } from '../../language/src/protocol.js';
import { refusalLine } from '../../language/src/kernel/diagnostics.js';

/** The button of the modal dialog shown for an output folder outside the workspace folders. */
const CHOOSE_FOLDER = 'Choose Folder…';

/** Where a per-host export may take its host from besides the editor: the topology view. */
export interface ExportHints {
    /** The document and host the topology view shows (undefined: no view, or the fleet). */
    viewedHost?(): { uri: string; host: string } | undefined;
}

/** One export command, for the format of its descriptor. */
export class ExportCommand implements Command {
    readonly id: string;

    constructor(
        private readonly format: ExportCommandDescriptor,
        private readonly client: () => Promise<LanguageClient>,
        private readonly log: vscode.LogOutputChannel,
        private readonly hints: ExportHints = {}
    ) {
        this.id = format.command;
    }

    /**
     * `documentUri`: the file (default: the active editor's). `target`: a VM name of that file (a
     * host name for a per-host format), for scripts, key bindings and tests
     * (`executeCommand('vmtopo.exportLibvirt', uri, 'train-a')`); without it the cursor, the
     * topology view or the pick list decides. Resolves once the files are written (or the export is
     * refused), with the server's answer; the notification that follows is not waited for.
     */
    async execute(documentUri: vscode.Uri | undefined, target?: unknown, options?: unknown): Promise<ExportResult | undefined> {
        const editor = vscode.window.activeTextEditor;
        const uri = documentUri ?? editor?.document.uri;
        if (!uri) {
            void vscode.window.showWarningMessage('vmtopo: open a .vmtopo file to export it.');
            return undefined;
        }
        if (uri.scheme !== 'file' && uri.scheme !== 'untitled') {
            void vscode.window.showWarningMessage(`vmtopo: only files on disk and unsaved documents can be exported, not ${uri.scheme}: documents.`);
            return undefined;
        }
        const document = editor?.document.uri.toString() === uri.toString()
            ? editor.document
            : vscode.workspace.textDocuments.find(d => d.uri.toString() === uri.toString()) ?? await vscode.workspace.openTextDocument(uri);
        if (document.languageId !== 'vmtopo') {
            void vscode.window.showWarningMessage(`vmtopo: ${path.basename(uri.fsPath)} is not a vmtopo file.`);
            return undefined;
        }

        const chosen = typeof target === 'string' && target.length > 0
            ? target
            : await this.pickTarget(document, editor?.document === document ? editor : undefined);
        if (chosen === undefined) {
            return undefined; // cancelled, or nothing to export in the file
        }
        if (uri.scheme === 'untitled') {
            if (!this.exportsUnsaved) {
                void vscode.window.showWarningMessage('vmtopo: save the document to a file first; merging into a domain exports a saved file.');
                return undefined;
            }
            return this.exportUnsaved(document, chosen, options);
        }
        const extra = await this.extraArgs(chosen === ALL ? undefined : chosen);
        if (extra === undefined) {
            return undefined; // cancelled
        }
        if (document.isDirty && !(await document.save())) {
            void vscode.window.showErrorMessage(`vmtopo: ${path.basename(uri.fsPath)} could not be saved; nothing was exported.`);
            return undefined;
        }

        const setting = vscode.workspace.getConfiguration('vmtopo', uri).get<string>('export.outputFolder');
        const configured = resolveOutputFolder(setting, uri.fsPath, vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath);
        const folder = await this.confirmOutputFolder(configured, uri.fsPath);
        if (folder === undefined) {
            this.log.info(`export ${this.format.format} ${uri.fsPath}: cancelled (output folder ${configured} is outside the workspace folders)`);
            return undefined;
        }
        const { outDir, outDirChosenByUser } = folder;
        const name = chosen === ALL ? undefined : chosen;
        const option = this.format.scope === 'host' ? 'host' : 'vm';
        this.log.info(`export ${this.format.format} ${uri.fsPath}${name ? ` --${option} ${name}` : ''} -o ${outDir}${outDirChosenByUser ? ' (chosen in the folder dialog)' : ''}`);

        const args: ExportCommandArgs = { file: uri.fsPath, format: this.format.format, outDir };
        if (name !== undefined) {
            args[option] = name;
        }
        if (outDirChosenByUser) {
            args.outDirChosenByUser = true;
        }
        Object.assign(args, extra);
        const client = await this.client();
        const result = await client.sendRequest(ExecuteCommandRequest.type, {
            command: EXPORT_COMMAND,
            arguments: [args]
        }) as ExportResult | undefined | null;
        // The notification waits for a click; the command's caller should not.
        void this.report(result, outDir).catch(err => this.log.error(`export report failed: ${String(err)}`));
        return result ?? undefined;
    }

    /** Whether an unsaved (untitled) document can be exported by this command. */
    protected readonly exportsUnsaved: boolean = true;

    /** More arguments of the export for the chosen VM or host (undefined: every one); undefined cancels. */
    protected extraArgs(_target: string | undefined): Promise<Partial<ExportCommandArgs> | undefined> {
        return Promise.resolve({});
    }

    /**
     * An unsaved (untitled) document — e.g. the host "vmtopo: Import Host…" opened — has no folder:
     * the user picks the output folder in a folder dialog (`options.outDir`, an absolute path, stands
     * for that pick in scripts and tests), and the server exports the text the editor holds, without
     * saving it (`file` is the document's `untitled:` URI).
     */
    private async exportUnsaved(document: vscode.TextDocument, chosen: string, options: unknown): Promise<ExportResult | undefined> {
        const given = typeof options === 'object' && options !== null ? (options as { outDir?: unknown }).outDir : undefined;
        let outDir: string | undefined;
        if (typeof given === 'string' && path.isAbsolute(given)) {
            outDir = given;
        } else {
            const picked = await vscode.window.showOpenDialog({
                canSelectFolders: true, canSelectFiles: false, canSelectMany: false,
                defaultUri: vscode.workspace.workspaceFolders?.find(f => f.uri.scheme === 'file')?.uri,
                openLabel: 'Export Here',
                title: `Export ${this.format.label} of the unsaved ${document.uri.path} to`
            });
            outDir = picked?.[0]?.scheme === 'file' ? picked[0].fsPath : undefined;
        }
        if (outDir === undefined) {
            this.log.info(`export ${this.format.format} ${document.uri.toString()}: cancelled (no output folder chosen)`);
            return undefined;
        }
        const name = chosen === ALL ? undefined : chosen;
        const args: ExportCommandArgs = { file: document.uri.toString(), format: this.format.format, outDir, outDirChosenByUser: true };
        if (name !== undefined) args[this.format.scope === 'host' ? 'host' : 'vm'] = name;
        this.log.info(`export ${this.format.format} ${document.uri.toString()} (unsaved)${name ? ` ${name}` : ''} -o ${outDir}`);
        const client = await this.client();
        const result = await client.sendRequest(ExecuteCommandRequest.type, { command: EXPORT_COMMAND, arguments: [args] }) as ExportResult | undefined | null;
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
            title: `Export ${this.format.label} to`
        });
        const folder = picked?.[0];
        if (!folder || folder.scheme !== 'file') {
            return undefined;
        }
        return { outDir: folder.fsPath, outDirChosenByUser: true };
    }

    /**
     * What to export: for a per-VM format the VM at the cursor, else a pick from the file's VMs; for
     * a per-host format the host the topology view shows for this file, else the host at the cursor,
     * else a pick from the file's hosts. `ALL` for every one; undefined when there is none or the
     * pick was cancelled.
     */
    private async pickTarget(document: vscode.TextDocument, editor: vscode.TextEditor | undefined): Promise<string | undefined> {
        // The language server's outline: VMs and hosts are top-level symbols (language/src/editor/node-kind.ts).
        const found = await vscode.commands.executeCommand<Array<vscode.DocumentSymbol | vscode.SymbolInformation> | undefined>(
            'vscode.executeDocumentSymbolProvider', document.uri);
        const symbols = (found ?? []).filter((s): s is vscode.DocumentSymbol => 'range' in s) as SymbolLike[];
        const { Class, Object: Obj } = vscode.SymbolKind;
        let items: Array<vscode.QuickPickItem & { target: string }>;
        let what: string;
        if (this.format.scope === 'host') {
            const viewed = this.hints.viewedHost?.();
            if (viewed && viewed.uri === document.uri.toString()) {
                return viewed.host;
            }
            const atCursor = editor ? hostAtPosition(symbols, Class, Obj, editor.selection.active) : undefined;
            if (atCursor) {
                return atCursor;
            }
            const hosts = hostNames(symbols, Class, Obj);
            what = 'host';
            items = hosts.map(host => ({ label: host, target: host }));
        } else {
            const atCursor = editor ? vmAtPosition(symbols, Obj, editor.selection.active) : undefined;
            if (atCursor) {
                return atCursor.name;
            }
            what = 'VM';
            items = vmSymbols(symbols, Obj).map(block => ({ label: block.name, description: `on ${block.host}`, target: block.name }));
        }
        if (items.length === 0) {
            void vscode.window.showWarningMessage(`vmtopo: ${path.basename(document.uri.fsPath)} declares no ${what} to export.`);
            return undefined;
        }
        if (items.length === 1) {
            return items[0].target;
        }
        const picked = await vscode.window.showQuickPick([
            { label: `$(list-flat) All ${what}s`, description: `${items.length} ${what}s`, target: ALL },
            ...items
        ], {
            title: `Export ${this.format.label}`,
            placeHolder: `Which ${what}?`
        });
        return picked?.target;
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
            // A refusal names the blocking errors (count, first); "Show in Problems" goes to them.
            const locations = result.refused?.flatMap(r => r.locations) ?? [];
            const choices = locations.length > 0 ? [SHOW_IN_PROBLEMS, SHOW_LOG] : [SHOW_LOG];
            const choice = await vscode.window.showErrorMessage(`vmtopo: ${refusalLine(result)}`, ...choices);
            if (choice === SHOW_LOG) {
                this.log.show(true);
            } else if (choice === SHOW_IN_PROBLEMS) {
                await showInProblems(locations[0]);
            }
            return;
        }
        const where = result.written.length === 1 ? result.written[0] : outDir;
        const choice = await vscode.window.showInformationMessage(
            `vmtopo: wrote ${result.written.length} ${this.format.label} file(s) to ${where}`,
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

/**
 * "vmtopo: Export libvirt Domain Into…": the libvirt export of one VM merged into a domain XML file
 * the user picks in an open dialog (the server's `into`; language/src/features/export/libvirt-merge.ts).
 * The merged domain is written to the output folder as `<vm>.domain.xml`; the picked file is not changed.
 */
export class ExportIntoCommand extends ExportCommand {
    override readonly id = 'vmtopo.mergeLibvirtDomain';
    protected override readonly exportsUnsaved = false;

    protected override async extraArgs(vm: string | undefined): Promise<Partial<ExportCommandArgs> | undefined> {
        if (vm === undefined) {
            void vscode.window.showWarningMessage('vmtopo: a libvirt domain takes one VM: put the cursor in a VM, or pick one.');
            return undefined;
        }
        const picked = await vscode.window.showOpenDialog({
            canSelectFiles: true,
            canSelectFolders: false,
            canSelectMany: false,
            filters: { 'libvirt domain XML': ['xml'] },
            openLabel: 'Merge Into',
            title: `Merge VM ${vm} into a libvirt domain (e.g. virsh dumpxml output)`
        });
        const file = picked?.[0];
        return file && file.scheme === 'file' ? { into: file.fsPath, intoChosenByUser: true } : undefined;
    }
}

const OPEN = 'Open';
const SHOW_LOG = 'Show Log';
const SHOW_IN_PROBLEMS = 'Show in Problems';

/**
 * The first blocking error of a refused export: its document opens with the error's range selected,
 * and the Problems panel opens beside it, where VS Code reveals the marker at the cursor
 * (`problems.autoReveal`, on by default).
 */
async function showInProblems(location: { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }): Promise<void> {
    const { start, end } = location.range;
    const range = new vscode.Range(start.line, start.character, end.line, end.character);
    await vscode.window.showTextDocument(vscode.Uri.parse(location.uri), { selection: range, preserveFocus: false });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
}
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

/** Marker for "every VM (host) of the file" in the pick list (not a valid identifier, so no VM or host has it). */
const ALL = '*';
