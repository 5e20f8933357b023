/**
 * The language server as an editor sees it: the BUNDLED server (`out/server/main.cjs`, what the
 * extension ships) is spawned with `--stdio` and spoken to in JSON-RPC, as VS Code or any other LSP
 * client would. It must publish located, coded diagnostics for the misconfigured example, offer a
 * quick-fix with an edit, show doc comments on hover, export through `workspace/executeCommand`
 * (and refuse a file with errors), and exit cleanly on shutdown/exit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
    createMessageConnection, StreamMessageReader, StreamMessageWriter,
    InitializeRequest, InitializedNotification, DidOpenTextDocumentNotification, PublishDiagnosticsNotification,
    CodeActionRequest, HoverRequest, ExecuteCommandRequest, ShutdownRequest, ExitNotification,
    DiagnosticSeverity, CodeActionKind,
    type MessageConnection, type Diagnostic, type PublishDiagnosticsParams, type CodeAction, type Command, type Hover
} from 'vscode-languageserver/node';
import { REPO } from '../support/util.js';
import { SERVER, ensureBundle, uriOf } from '../support/lsp-server.js';
import { findGpu, findNic } from '../../language/src/catalog/index.js';

const MISCONFIGURED = path.join(REPO, 'examples/misconfigured.vmtopo');
const HGX = path.join(REPO, 'examples/hgx-h200.vmtopo');

interface ExportResult { ok: boolean; written: string[]; problems: string[]; refused?: { name: string }[] }

/** Offset → LSP position in `text`. */
function positionAt(text: string, offset: number): { line: number; character: number } {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
}

describe('language server over stdio (bundled out/server/main.cjs)', () => {
    let server: ChildProcess;
    let connection: MessageConnection;
    let workspace: string;
    let stderr = '';
    const published = new Map<string, PublishDiagnosticsParams[]>();
    const waiters: Array<() => void> = [];

    /** Resolves with the first diagnostics published for `uri` (already received or still to come). */
    function diagnosticsFor(uri: string, timeoutMs = 20_000): Promise<Diagnostic[]> {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
            const check = (): boolean => {
                const got = published.get(uri);
                if (got && got.length > 0) {
                    clearTimeout(timer);
                    resolve(got[got.length - 1].diagnostics);
                    return true;
                }
                return false;
            };
            if (!check()) {
                waiters.push(() => { check(); });
            }
        });
    }

    function open(file: string): { uri: string; text: string } {
        const uri = uriOf(file);
        const text = fs.readFileSync(file, 'utf8');
        void connection.sendNotification(DidOpenTextDocumentNotification.type, {
            textDocument: { uri, languageId: 'vmtopo', version: 1, text }
        });
        return { uri, text };
    }

    beforeAll(async () => {
        ensureBundle();
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-lsp-'));
        server = spawn(process.execPath, [SERVER, '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
        server.stderr!.on('data', chunk => { stderr += String(chunk); });
        connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
        connection.onNotification(PublishDiagnosticsNotification.type, params => {
            published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
            for (const waiter of waiters.splice(0)) waiter();
        });
        connection.listen();
        const init = await connection.sendRequest(InitializeRequest.type, {
            processId: process.pid,
            rootUri: uriOf(workspace),
            workspaceFolders: [{ uri: uriOf(workspace), name: 'lsp-test' }],
            capabilities: {
                textDocument: {
                    publishDiagnostics: { relatedInformation: true },
                    hover: { contentFormat: ['markdown', 'plaintext'] },
                    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: [CodeActionKind.QuickFix] } } }
                },
                workspace: { workspaceFolders: true, configuration: false }
            }
        });
        expect(init.capabilities.executeCommandProvider?.commands).toContain('vmtopo.export');
        await connection.sendNotification(InitializedNotification.type, {});
    }, 120_000);

    afterAll(() => {
        connection?.dispose();
        if (server && server.exitCode === null && server.signalCode === null) {
            server.kill('SIGKILL');
        }
        if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    });

    let misconfigured: { uri: string; text: string };
    let diagnostics: Diagnostic[];

    it('publishes the misconfigured example\'s errors with rule codes and ranges', async () => {
        misconfigured = open(MISCONFIGURED);
        diagnostics = await diagnosticsFor(misconfigured.uri);
        const errors = diagnostics.filter(d => d.severity === DiagnosticSeverity.Error);
        expect(errors.length).toBeGreaterThan(0);
        const lines = misconfigured.text.split('\n');
        for (const d of diagnostics) {
            expect(String(d.code)).toMatch(/^[A-Z]{2,5}\d{3}$/);
            // A real range inside the document, not the whole file and not line 0 by default.
            expect(d.range.start.line).toBeLessThan(lines.length);
            expect(d.range.end.line).toBeGreaterThanOrEqual(d.range.start.line);
            expect(d.range.start.line === d.range.end.line ? d.range.end.character > d.range.start.character : true).toBe(true);
        }
        // The example fires the locality and MMIO rules that have quick-fixes.
        const codes = new Set(diagnostics.map(d => String(d.code)));
        expect([...codes].some(code => code === 'LOC001' || code === 'MMIO005')).toBe(true);
    });

    it('offers a quick-fix with an edit for a LOC001 or MMIO005 diagnostic', async () => {
        const fixable = diagnostics.filter(d => d.code === 'LOC001' || d.code === 'MMIO005');
        expect(fixable.length).toBeGreaterThan(0);
        const results: Array<CodeAction | Command> = [];
        for (const diagnostic of fixable) {
            const actions = await connection.sendRequest(CodeActionRequest.type, {
                textDocument: { uri: misconfigured.uri },
                range: diagnostic.range,
                context: { diagnostics: [diagnostic], only: [CodeActionKind.QuickFix] }
            });
            results.push(...(actions ?? []));
        }
        const quickfixes = results.filter((a): a is CodeAction => 'kind' in a && a.kind === CodeActionKind.QuickFix);
        expect(quickfixes.length).toBeGreaterThan(0);
        const edits = quickfixes.flatMap(a => a.edit?.changes?.[misconfigured.uri] ?? []);
        expect(edits.length).toBeGreaterThan(0);
        expect(edits.every(e => typeof e.newText === 'string')).toBe(true);
    });

    it('shows a declaration\'s /** doc */ comment on hover', async () => {
        const hgx = open(HGX);
        // The first declaration with a doc comment right before it (`/** HGX H200 8-GPU server … */ host sprocket`).
        const documented = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:host|vm|socket|pcie-switch|gpu|nic|nvswitch)\s+([_a-zA-Z][\w-]*)/.exec(hgx.text);
        expect(documented).not.toBeNull();
        const [whole, doc, name] = documented!;
        const offset = documented!.index + whole.length - name.length + 1; // inside the declared name
        const hover: Hover | null = await connection.sendRequest(HoverRequest.type, {
            textDocument: { uri: hgx.uri },
            position: positionAt(hgx.text, offset)
        });
        expect(hover).not.toBeNull();
        const contents = hover!.contents;
        const text = typeof contents === 'string' ? contents
            : Array.isArray(contents) ? contents.map(c => typeof c === 'string' ? c : c.value).join('\n')
                : contents.value;
        const firstWords = doc.replace(/^\s*\*?\s*/gm, ' ').trim().split(/\s+/).slice(0, 4).join(' ');
        expect(text.replace(/\s+/g, ' ')).toContain(firstWords);
        // The HGX example is clean: no errors published for it.
        const hgxDiagnostics = await diagnosticsFor(hgx.uri).catch(() => []);
        expect(hgxDiagnostics.filter(d => d.severity === DiagnosticSeverity.Error)).toEqual([]);
    });

    it('adds the catalog facts of a device\'s model to its hover, on references too', async () => {
        const hgx = { uri: uriOf(HGX), text: fs.readFileSync(HGX, 'utf8') };
        const hoverText = async (offset: number): Promise<string> => {
            const hover: Hover | null = await connection.sendRequest(HoverRequest.type, {
                textDocument: { uri: hgx.uri }, position: positionAt(hgx.text, offset)
            });
            const contents = hover?.contents;
            return contents && typeof contents === 'object' && 'value' in contents ? contents.value : '';
        };
        // `nic mlx5_8 vf 0` inside tenant-c refers to the documented PF of the host.
        const reference = await hoverText(hgx.text.indexOf('nic mlx5_8 vf 0') + 'nic mlx'.length);
        const cx7 = findNic('ConnectX-7')!;
        expect(reference).toContain('PF with SR-IOV: 8 virtual functions for tenant VMs.'); // the doc comment stays
        expect(reference).toContain(cx7.model);
        expect(reference).toContain(`up to ${cx7.maxVfsPerPf} SR-IOV VFs`);
        expect(reference).toContain('0000:cc:00.0');
        // A GPU declaration without a doc comment: model, memory, MMIO, PCI id, MIG and vGPU availability.
        const h200 = findGpu('H200 SXM5 141GB')!;
        const declaration = await hoverText(hgx.text.indexOf('gpu gpu6 "') + 'gpu gp'.length);
        expect(declaration).toContain(`**${h200.model}**`);
        expect(declaration).toContain(`Memory ${h200.memoryGB} GB`);
        expect(declaration).toContain(`64-bit MMIO needed ${h200.mmioGiB} GiB`);
        expect(declaration).toContain(`${h200.pciIds[0].vendor}:${h200.pciIds[0].device}`);
        expect(declaration).toContain(`\`${h200.migProfiles[0].name}\``);
        expect(declaration).toMatch(/vGPU for Compute/);
        expect(declaration).toContain('NUMA node 1');
        expect(declaration).toContain('behind PCIe switch `sw6`');
    });

    it('exports the HGX example through workspace/executeCommand vmtopo.export', async () => {
        // The server exports only files inside the workspace folder (the temp folder): a copy. The
        // original is open in the server too, and host and VM names are unique across the workspace
        // (SYN005), so the copy's host and VMs are renamed.
        const hgxCopy = path.join(workspace, 'hgx-h200.vmtopo');
        fs.writeFileSync(hgxCopy, fs.readFileSync(HGX, 'utf8').replace(/\b(sprocket|train-a|fm-service|infer-b|tenant-c|tenant-d)\b/g, '$1-copy'));
        for (const format of ['libvirt', 'nccl'] as const) {
            const outDir = path.join(workspace, 'out', format);
            const result = await connection.sendRequest(ExecuteCommandRequest.type, {
                command: 'vmtopo.export',
                arguments: [{ file: hgxCopy, format, outDir }]
            }) as ExportResult;
            expect(result.problems.filter(p => /error/i.test(p))).toEqual([]);
            expect(result.ok).toBe(true);
            expect(result.written.length).toBeGreaterThanOrEqual(3); // at least three VMs in the example
            for (const file of result.written) {
                expect(path.dirname(path.resolve(file))).toBe(outDir);
                const xml = fs.readFileSync(file, 'utf8');
                expect(xml).toMatch(format === 'libvirt' ? /<domain[\s>]/ : /<system[\s>]/);
            }
            expect(fs.readdirSync(outDir).sort()).toEqual(result.written.map(f => path.basename(f)).sort());
        }
    });

    it('merges a VM into the user\'s libvirt domain (into, "vmtopo: Export libvirt Domain Into…")', async () => {
        const hgxCopy = path.join(workspace, 'hgx-h200.vmtopo'); // written by the test above
        const domain = path.join(workspace, 'db01.xml');
        fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'libvirt-merge', 'virtio-bridge.xml'), domain);
        const outDir = path.join(workspace, 'out', 'merged');
        const result = await connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'vmtopo.export',
            arguments: [{ file: hgxCopy, format: 'libvirt', vm: 'infer-b-copy', outDir, into: uriOf(domain) }]
        }) as ExportResult;
        expect(result).toEqual({ ok: true, written: [path.join(outDir, 'infer-b-copy.domain.xml')], problems: [] });
        const merged = fs.readFileSync(result.written[0], 'utf8');
        expect(merged).toContain('<name>db01</name>');
        expect(merged).toContain("<alias name='ua-vmtopo-gpu4'/>");
    });

    it('refuses to export the misconfigured example and writes nothing', async () => {
        const copy = path.join(workspace, 'misconfigured.vmtopo');
        fs.copyFileSync(MISCONFIGURED, copy);
        const outDir = path.join(workspace, 'out', 'refused');
        const result = await connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'vmtopo.export',
            arguments: [{ file: uriOf(copy), format: 'libvirt', outDir }]
        }) as ExportResult;
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        // Every VM of the example has an error of its own or of its host: each is refused, none written.
        expect(result.problems[0]).toMatch(/^\d+ VMs with errors: (\S+ \(\d+\), ){7}\S+ \(\d+\) and \d+ more; first: .*misconfigured\.vmtopo:\d+:\d+ error /);
        expect(result.refused?.length).toBeGreaterThan(8);
        expect(fs.existsSync(outDir) ? fs.readdirSync(outDir) : []).toEqual([]);
    });

    it('refuses to export a file outside the workspace folder, naming the folder', async () => {
        const outDir = path.join(workspace, 'out', 'outside');
        const result = await connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'vmtopo.export',
            arguments: [{ file: HGX, format: 'libvirt', outDir }]
        }) as ExportResult;
        expect(result).toEqual({
            ok: false, written: [],
            problems: [`${HGX} lies outside the folder ${workspace}`]
        });
        expect(fs.existsSync(outDir)).toBe(false);
    });

    it('answers a malformed export request with a problem, not a crash', async () => {
        const result = await connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'vmtopo.export',
            arguments: [{ file: HGX, format: 'pdf' }]
        }) as ExportResult;
        expect(result).toEqual({ ok: false, written: [], problems: [expect.stringContaining("'format'")] });
    });

    it('shuts down and exits on shutdown/exit', async () => {
        const exited = new Promise<number | null>(resolve => server.once('exit', code => resolve(code)));
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
        const code = await Promise.race([exited, new Promise<'timeout'>(r => setTimeout(() => r('timeout'), 10_000))]);
        expect(code).toBe(0);
    });
});
