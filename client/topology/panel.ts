/**
 * "vmtopo: Show Topology": the topology webview panel, its
 * message protocol (`messages.ts`, with a `ready` handshake), live updates and the editor ↔ view
 * links. The diagram comes from the language server (`vmtopo/topology`), which lays it out; this
 * side only asks for it and passes messages.
 *
 * - One panel; it follows the active vmtopo editor. Document edits are debounced
 *   ({@link UPDATE_DEBOUNCE_MS}) before a new diagram is requested; the server keeps one layout in
 *   flight per document and answers `stale` (the previous diagram) past its time budget.
 * - The webview reports its drawing area (`ready`, then `resize`, debounced); each request carries
 *   it, so the server lays the diagram out for the panel's shape.
 * - Click in the view → `reveal` → the editor shows and selects the node's source range. A cursor
 *   move in the editor → `highlight` of the innermost node whose range holds the cursor.
 * - The host shown: the one picked in the view, else the host of the VM or device at the cursor.
 * - A {@link vscode.WebviewPanelSerializer} restores the panel (document, host, fleet, VM) after a
 *   window reload.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Command } from '../commands/command-manager.js';
import { TOPOLOGY_REQUEST, type TopologyParams, type TopologyResult } from '../../language/src/protocol.js';
import { topologyHtml } from './html.js';
import { TOPOLOGY_VIEW_TYPE, type FromWebview, type ToWebview, type TopologyViewState, type TopologyViewport } from './messages.js';

/** Quiet time after the last keystroke before the diagram is requested again, in ms. */
export const UPDATE_DEBOUNCE_MS = 300;

type ClientProvider = () => Promise<LanguageClient>;

/** The one topology panel of the window. */
export class TopologyPanel implements vscode.Disposable {
    private static current: TopologyPanel | undefined;
    private readonly disposables: vscode.Disposable[] = [];
    private ready = false;
    private timer: NodeJS.Timeout | undefined;
    private last: TopologyResult | undefined;
    private requestNumber = 0;
    /** The webview's drawing area (from `ready` and `resize`), sent with each request. */
    private viewport: TopologyViewport | undefined;

    private constructor(
        private readonly panel: vscode.WebviewPanel,
        private readonly extensionUri: vscode.Uri,
        private readonly client: ClientProvider,
        private readonly log: vscode.LogOutputChannel,
        private state: TopologyViewState
    ) {
        panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'webview')] };
        panel.webview.html = this.html();
        this.disposables.push(
            panel.onDidDispose(() => this.dispose()),
            panel.webview.onDidReceiveMessage((m: FromWebview) => this.receive(m)),
            vscode.workspace.onDidChangeTextDocument(e => {
                if (e.document.languageId === 'vmtopo' && e.contentChanges.length > 0) this.schedule();
            }),
            vscode.window.onDidChangeActiveTextEditor(editor => {
                if (editor?.document.languageId === 'vmtopo' && editor.document.uri.toString() !== this.state.uri) {
                    this.state = { uri: editor.document.uri.toString(), fleet: this.state.fleet };
                    this.schedule(0);
                }
            }),
            vscode.window.onDidChangeTextEditorSelection(e => this.cursorMoved(e.textEditor))
        );
    }

    /** Shows the panel for `uri` (creates it, or moves the existing one to `uri`). */
    static show(extensionUri: vscode.Uri, client: ClientProvider, log: vscode.LogOutputChannel, uri: vscode.Uri): TopologyPanel {
        const existing = TopologyPanel.current;
        if (existing) {
            existing.panel.reveal(vscode.ViewColumn.Beside, true);
            if (existing.state.uri !== uri.toString()) {
                existing.state = { uri: uri.toString() };
                existing.schedule(0);
            }
            return existing;
        }
        const panel = vscode.window.createWebviewPanel(TOPOLOGY_VIEW_TYPE, 'vmtopo topology', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: false });
        TopologyPanel.current = new TopologyPanel(panel, extensionUri, client, log, { uri: uri.toString() });
        return TopologyPanel.current;
    }

    /** Restores a panel after a window reload (the serializer). */
    static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, client: ClientProvider, log: vscode.LogOutputChannel, state: TopologyViewState | undefined): void {
        const uri = state?.uri ?? vscode.window.activeTextEditor?.document.uri.toString() ?? '';
        TopologyPanel.current?.dispose();
        TopologyPanel.current = new TopologyPanel(panel, extensionUri, client, log, { ...state, uri });
    }

    /** The document and host of the diagram the panel shows (undefined: no panel, nothing drawn yet, or the fleet). */
    static shownHost(): { uri: string; host: string } | undefined {
        const panel = TopologyPanel.current;
        const last = panel?.last;
        return panel && last?.view === 'host' && last.host !== undefined ? { uri: panel.state.uri, host: last.host } : undefined;
    }

    private html(): string {
        const webview = this.panel.webview;
        return topologyHtml({
            cspSource: webview.cspSource,
            nonce: randomBytes(16).toString('base64'),
            scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'out', 'webview', 'topology.js')).toString(),
            styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'out', 'webview', 'topology.css')).toString()
        });
    }

    private post(message: ToWebview): void {
        void this.panel.webview.postMessage(message);
    }

    private receive(m: FromWebview): void {
        switch (m.type) {
            case 'ready':
                this.ready = true;
                this.viewport = m.viewport;
                this.schedule(0);
                break;
            case 'resize':
                this.viewport = m.viewport;
                this.schedule();
                break;
            case 'reveal':
                void this.reveal(m.range);
                break;
            case 'selectHost':
                this.state = { ...this.state, host: m.host, fleet: false };
                this.schedule(0);
                break;
            case 'showFleet':
                this.state = { ...this.state, fleet: true };
                this.schedule(0);
                break;
            case 'selectVm':
                this.state = { ...this.state, vm: m.vm };
                break;
        }
    }

    private schedule(delay: number = UPDATE_DEBOUNCE_MS): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => { void this.update(); }, delay);
    }

    private async update(): Promise<void> {
        if (!this.ready || !this.state.uri) return;
        const number = ++this.requestNumber;
        this.post({ type: 'busy' });
        try {
            const editor = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === this.state.uri);
            const params: TopologyParams = {
                uri: this.state.uri, host: this.state.host, fleet: this.state.fleet,
                position: editor ? { line: editor.selection.active.line, character: editor.selection.active.character } : undefined,
                viewport: this.viewport
            };
            const client = await this.client();
            const result = await client.sendRequest<TopologyResult>(TOPOLOGY_REQUEST, params);
            if (number !== this.requestNumber) return; // a newer request is on its way
            const same = this.last?.svg === result.svg && this.last.stale === result.stale && this.last.host === result.host
                && JSON.stringify([this.last.capacity, this.last.ncclPaths]) === JSON.stringify([result.capacity, result.ncclPaths]);
            this.last = result;
            // Nothing changed in the drawing (the cursor moved within the host): no redraw.
            this.post(same ? { type: 'unchanged' } : { type: 'update', result, state: this.state });
            if (editor) this.cursorMoved(editor, true);
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            this.log.error(`topology view: ${message}`);
            this.post({ type: 'error', message: `vmtopo: ${message}` });
        }
    }

    private async reveal(range: { uri: string; start: { line: number; character: number }; end: { line: number; character: number } }): Promise<void> {
        const uri = vscode.Uri.parse(range.uri);
        const selection = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
        const visible = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === uri.toString());
        const editor = await vscode.window.showTextDocument(uri, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
        editor.selection = new vscode.Selection(selection.start, selection.start);
        editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }

    private cursorMoved(editor: vscode.TextEditor, fromUpdate = false): void {
        if (!this.last || editor.document.uri.toString() !== this.state.uri) return;
        const uri = editor.document.uri.toString();
        const at = editor.selection.active;
        // No host picked: the view follows the cursor to the host (or VM's host) it is in.
        const outside = this.last.view === 'host' && !this.last.nodes.some(n => n.range?.uri === uri
            && new vscode.Range(n.range.start.line, n.range.start.character, n.range.end.line, n.range.end.character).contains(at));
        if (!fromUpdate && outside && this.state.host === undefined && !this.state.fleet) this.schedule();
        let best: { id: string; size: number } | undefined;
        for (const n of this.last.nodes) {
            const r = n.range;
            if (!r || r.uri !== uri) continue;
            const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
            if (!range.contains(at)) continue;
            const size = (r.end.line - r.start.line) * 100000 + r.end.character - r.start.character;
            if (!best || size < best.size) best = { id: n.id, size };
        }
        this.post({ type: 'highlight', nodes: best ? [best.id] : [] });
    }

    dispose(): void {
        if (TopologyPanel.current === this) TopologyPanel.current = undefined;
        if (this.timer) clearTimeout(this.timer);
        for (const d of this.disposables.splice(0)) d.dispose();
        this.panel.dispose();
    }
}

function activeVmtopoUri(documentUri: vscode.Uri | undefined): vscode.Uri | undefined {
    if (documentUri) return documentUri;
    const editor = vscode.window.activeTextEditor;
    return editor?.document.languageId === 'vmtopo' ? editor.document.uri : undefined;
}

/** "vmtopo: Show Topology". */
export class ShowTopologyCommand implements Command {
    readonly id = 'vmtopo.showTopology';
    constructor(private readonly extensionUri: vscode.Uri, private readonly client: ClientProvider, private readonly log: vscode.LogOutputChannel) {}

    execute(documentUri: vscode.Uri | undefined): void {
        const uri = activeVmtopoUri(documentUri);
        if (!uri) {
            void vscode.window.showWarningMessage('vmtopo: open a .vmtopo file to show its topology.');
            return;
        }
        TopologyPanel.show(this.extensionUri, this.client, this.log, uri);
    }
}

/** Registers the serializer that restores the panel after a window reload. */
export function registerTopologySerializer(extensionUri: vscode.Uri, client: ClientProvider, log: vscode.LogOutputChannel): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TOPOLOGY_VIEW_TYPE, {
        deserializeWebviewPanel(panel: vscode.WebviewPanel, state: TopologyViewState | undefined) {
            TopologyPanel.revive(panel, extensionUri, client, log, state);
            return Promise.resolve();
        }
    });
}
