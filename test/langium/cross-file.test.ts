/**
 * Cross-file correctness (issue #6, item 4): the topology rules look across files, so an edit of
 * one VM file must update the diagnostics of the other files whose VMs share its host — without
 * those files being edited — and the topology rules run once per build, whatever the number of files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, PublishDiagnosticsNotification, type Diagnostic } from 'vscode-languageserver/node';
import { startServer, uriOf } from '../support/lsp-server.js';
import { TextDocument, URI } from 'langium';
import { buildWorkspace, withCode, type Workspace } from '../support/util.js';
import { HOST } from '../support/fixtures.js';

const H2 = HOST.replace('host h {', 'host h2 {');

/** Replaces the text of `name` as an editor does (TextDocuments + DocumentBuilder.update). */
async function edit(ws: Workspace, name: string, text: string, version: number): Promise<void> {
    const uri = URI.file(`/ws/${name}`);
    const { shared } = ws.services;
    shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', version, text));
    await shared.workspace.DocumentBuilder.update([uri], []);
}

const vmA = (host: string, pins: string) => `vm a on ${host} {\n    vcpus 2 pin ${pins}\n    memory 16 GiB on numa 0\n}\n`;
const vmB = (host: string, pins: string) => `vm b on ${host} {\n    vcpus 2 pin ${pins}\n    memory 16 GiB on numa 0\n}\n`;

describe('an edit of one VM file updates the other files of its host', () => {
    it('a.vmtopo takes b\'s CPUs: b.vmtopo gets LOC008 without being edited, and loses it when a moves away', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'a.vmtopo': vmA('h', '0,16'), 'b.vmtopo': vmB('h', '1,17') });
        expect(withCode(ws.diagnostics('b.vmtopo'), 'LOC008')).toEqual([]);

        await edit(ws, 'a.vmtopo', vmA('h', '1,17'), 2);
        const clash = withCode(ws.diagnostics('b.vmtopo'), 'LOC008');
        expect(clash.map(d => d.message)).toEqual(['CPUs 1,17 are pinned by a and b; dedicated pinning is exclusive.']);

        await edit(ws, 'a.vmtopo', vmA('h', '2,18'), 3);
        expect(withCode(ws.diagnostics('b.vmtopo'), 'LOC008')).toEqual([]);
    });

    it('a.vmtopo moves its VM to the host of b: b.vmtopo is validated again too', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST + H2, 'a.vmtopo': vmA('h', '1,17'), 'b.vmtopo': vmB('h2', '1,17') });
        expect(withCode(ws.diagnostics('b.vmtopo'), 'LOC008')).toEqual([]);
        await edit(ws, 'a.vmtopo', vmA('h2', '1,17'), 2);
        expect(withCode(ws.diagnostics('b.vmtopo'), 'LOC008')).toHaveLength(1);
    });

    it('a VM file of another host is left alone', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST + H2, 'a.vmtopo': vmA('h', '0,16'), 'c.vmtopo': vmB('h2', '1,17') });
        const c = ws.documents[2];
        const validatedBefore = c.diagnostics;
        await edit(ws, 'a.vmtopo', vmA('h', '1,17'), 2);
        expect(c.diagnostics).toBe(validatedBefore); // the same array: c was not validated again
    });
});

describe('the topology rules run once per build', () => {
    it('with 40 VM files on one host, every rule runs once, not once per file', async () => {
        const files: Record<string, string> = { 'hosts.vmtopo': HOST };
        for (let i = 0; i < 40; i++) files[`vm${i}.vmtopo`] = `vm v${i} on h { vcpus 1 pin ${i % 8} memory 1 GiB on numa 0 }\n`;
        const ws = await buildWorkspace(files);
        const runner = ws.services.vmtopo.validation.TopologyRuleRunner as unknown as { runAll(): unknown };
        let runs = 0;
        const original = runner.runAll.bind(runner);
        runner.runAll = () => { runs++; return original(); };
        await edit(ws, 'vm0.vmtopo', 'vm v0 on h { vcpus 1 pin 1 memory 1 GiB on numa 0 }\n', 2);
        expect(runs).toBe(1);
        // And every file with a clash on CPU 1 has its LOC008 (v1, v9, v17, … pin CPU 1 as v0 now does).
        expect(withCode(ws.diagnostics('vm1.vmtopo'), 'LOC008')).toHaveLength(1);
    });
});

describe('over the language server (bundled out/server/main.cjs)', () => {
    it('editing a.vmtopo publishes new diagnostics for b.vmtopo, which was not edited', async () => {
        const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-cross-'));
        const server = await startServer(workspace);
        const published = new Map<string, Diagnostic[]>();
        const waiters: Array<() => void> = [];
        server.connection.onNotification(PublishDiagnosticsNotification.type, p => {
            published.set(p.uri, p.diagnostics);
            for (const w of waiters.splice(0)) w();
        });
        /** Resolves when the latest diagnostics of `uri` satisfy `test`. */
        const until = (uri: string, test: (ds: Diagnostic[]) => boolean) => new Promise<Diagnostic[]>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timeout waiting for ${uri}: ${JSON.stringify(published.get(uri))}`)), 20_000);
            const check = () => {
                const ds = published.get(uri);
                if (ds && test(ds)) { clearTimeout(timer); resolve(ds); } else waiters.push(check);
            };
            check();
        });
        try {
            const files = { 'hosts.vmtopo': HOST, 'a.vmtopo': vmA('h', '0,16'), 'b.vmtopo': vmB('h', '1,17') };
            const uris: Record<string, string> = {};
            for (const [name, text] of Object.entries(files)) {
                uris[name] = uriOf(path.join(workspace, name));
                await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
                    textDocument: { uri: uris[name], languageId: 'vmtopo', version: 1, text }
                });
            }
            await until(uris['b.vmtopo'], ds => !ds.some(d => d.code === 'LOC008'));
            await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
                textDocument: { uri: uris['a.vmtopo'], version: 2 }, contentChanges: [{ text: vmA('h', '1,17') }]
            });
            const clash = await until(uris['b.vmtopo'], ds => ds.some(d => d.code === 'LOC008'));
            expect(clash.filter(d => d.code === 'LOC008').map(d => d.message)).toEqual(['CPUs 1,17 are pinned by a and b; dedicated pinning is exclusive.']);
        } finally {
            server.process.kill();
            fs.rmSync(workspace, { recursive: true, force: true });
        }
    }, 60_000);
});
