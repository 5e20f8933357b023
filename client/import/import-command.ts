/**
 * "vmtopo: Import Host…": pick a host's hwloc XML (`lstopo --of xml`), NCCL topology dump or
 * `nvidia-smi topo -m` output (with, for nvidia-smi, the outputs that give its PCI addresses), let
 * the language server import it (`vmtopo/importHost`), and open the host as a new untitled vmtopo
 * document. Nothing is written to disk until the user saves it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Command } from '../commands/command-manager.js';
import { IMPORT_HOST_REQUEST, type ImportHostParams, type ImportHostResult } from '../../language/src/protocol.js';

export class ImportHostCommand implements Command {
    readonly id = 'vmtopo.importHost';

    constructor(private readonly client: () => Promise<LanguageClient>, private readonly log: vscode.LogOutputChannel) {}

    /**
     * Given files (a URI, as from the explorer's context menu, or a list of URIs, as from another
     * extension or a test), imports those without asking; otherwise asks with an open dialog.
     */
    async execute(fileUri?: vscode.Uri, uris?: vscode.Uri[]): Promise<void> {
        const list = fileUri ? [fileUri] : uris;
        const given = Array.isArray(list) && list.length > 0 && list.every(u => u instanceof vscode.Uri) ? list : undefined;
        const picked = given ?? await vscode.window.showOpenDialog({
            canSelectMany: true,
            openLabel: 'Import Host',
            title: 'Import a host: hwloc XML, NCCL topology XML or nvidia-smi topo -m output (plus its bus-id outputs)',
            filters: { 'Topology files': ['xml', 'txt', 'csv', 'log', 'out'], 'All files': ['*'] }
        });
        if (!picked || picked.length === 0) return;
        const files = await Promise.all(picked.map(async uri => ({
            file: path.basename(uri.fsPath || uri.path),
            text: new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri))
        })));
        const client = await this.client();
        const params: ImportHostParams = { files };
        const result = await client.sendRequest<ImportHostResult>(IMPORT_HOST_REQUEST, params);
        if (!result.ok || result.text === undefined) throw new Error(result.message ?? 'the import failed');
        this.log.info(`imported ${files.map(f => f.file).join(', ')}: ${result.summary}`);
        const document = await vscode.workspace.openTextDocument({ language: 'vmtopo', content: result.text });
        await vscode.window.showTextDocument(document);
    }
}
