/**
 * Cross-file correctness (issue #6, item 4): the topology rules look across files, so an edit of
 * one VM file must update the diagnostics of the other files whose VMs share its host — without
 * those files being edited — and the topology rules run once per build, whatever the number of files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { describe, expect, it } from 'vitest';
import { DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, PublishDiagnosticsNotification, type Diagnostic } from 'vscode-languageserver/node';
import { startServer, uriOf } from '../support/lsp-server.js';
import { Cancellation, DocumentState, TextDocument, URI, isOperationCancelled } from 'langium';
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

/** A hosts file of four hosts (one made from a template declared there too), each with a comment inside. */
const HOSTS_FILE = [
    HOST.replace('host h {', 'host h0 {').replace('    platform kvm', '    platform kvm\n    // rack 1'),
    HOST.replace('host h {', 'host h1 {').replace('    platform kvm', '    platform kvm\n    // rack 2'),
    `host-template t {
    platform kvm
    // the template
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB }
    pcie-switch sw0 at 0000:10:00.0 on cpu0 {
        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0
        nic nic0 "ConnectX-7" at 0000:13:00.0
    }
}
host h2 from t {
    // rack 3
}
`,
    HOST.replace('host h {', 'host h3 {').replace('    platform kvm', '    platform kvm\n    // rack 4')
].join('\n');

/** VM files on those hosts, with clashes across files and diagnostics related to the hosts file. */
const VM_FILES: Record<string, string> = {
    'a.vmtopo': 'vm a on h0 {\n    vcpus 2 pin 0,16\n    memory 16 GiB on numa 0\n    gpu gpu0 passthrough\n    nic nic1 passthrough\n}\n',
    'b.vmtopo': 'vm b on h0 {\n    vcpus 2 pin 0,16\n    memory 16 GiB on numa 0\n}\n',
    'c.vmtopo': 'vm c on h1 {\n    vcpus 2 pin 8,24\n    memory 16 GiB on numa 0\n    gpu gpu0, gpu2 passthrough\n    nic nic2 passthrough\n}\n',
    'd.vmtopo': 'vm d on h2 {\n    vcpus 2 pin 1,17\n    memory 16 GiB on numa 1\n    gpu gpu0 passthrough\n}\n',
    'e.vmtopo': 'vm e on h3 {\n    vcpus 4 pin 30-33\n    memory 16 GiB on numa 0\n}\nvm e2 on h1 {\n    vcpus 1 pin 9\n    memory 1 GiB on numa 1\n}\n'
};

/** Every diagnostic of a document as one line, its related information (with positions) included. */
function view(ds: readonly Diagnostic[]): string[] {
    const range = (r: Diagnostic['range']) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
    return ds.map(d => `${range(d.range)} ${d.severity} ${String(d.code)} ${messageText(d)}${(d.relatedInformation ?? [])
        .map(r => ` | ${r.location.uri.replace(/^.*\//, '')} ${range(r.location.range)} ${r.message}`).join('')}`);
}

describe('edits of a hosts file that VM files name', () => {
    it('after every edit, the diagnostics of every file equal those of a fresh build of the same files', async () => {
        const files: Record<string, string> = { 'hosts.vmtopo': HOSTS_FILE, ...VM_FILES };
        const ws = await buildWorkspace(files);
        const names = Object.keys(files);
        const insertAt = (text: string, needle: string, insert: string) => {
            const i = text.indexOf(needle);
            if (i < 0) throw new Error(`'${needle}' is not in the text`);
            return text.slice(0, i + needle.length) + insert + text.slice(i + needle.length);
        };
        const edits: Array<[string, (text: string) => string]> = [
            ['hosts.vmtopo', t => insertAt(t, '// rack 2', 'x')],             // a comment in h1's block
            ['hosts.vmtopo', t => insertAt(t, '// rack 1', '\n')],            // a new line in h0's block: everything after moves
            ['hosts.vmtopo', t => insertAt(t, '// rack 3', ' and 4')],        // the templated host's block
            ['hosts.vmtopo', t => insertAt(t, '// the template', '!')],       // the template's block
            ['hosts.vmtopo', t => t.replace('host h1 {', 'host h1x {')],      // a host renamed: c and e2 lose it
            ['hosts.vmtopo', t => t.replace('host h1x {', 'host h1 {')],      // and back
            ['hosts.vmtopo', t => t.replace('host h3 {', 'host h0 {')],       // a duplicate name
            ['hosts.vmtopo', t => t.replace(/host h0 \{(?![\s\S]*host h0 \{)/, 'host h3 {')],
            ['hosts.vmtopo', t => t.replace('gpu gpu2 "H200', 'gpu gpu7 "H200')], // a device c names, renamed (in h1)
            ['hosts.vmtopo', t => t.replace('gpu gpu7 "H200', 'gpu gpu2 "H200')],
            ['hosts.vmtopo', t => insertAt(t, '// rack 4', '\n\n')],
            ['hosts.vmtopo', t => t.replace('cores 0-7,16-23   memory 256 GiB }\n    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB }\n    pcie-switch sw0 at 0000:10:00.0 on cpu0 {\n        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0\n        gpu gpu1',
                'cores 0-3   memory 256 GiB }\n    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB }\n    pcie-switch sw0 at 0000:10:00.0 on cpu0 {\n        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0\n        gpu gpu1')], // h0 loses CPUs a and b pin
            ['b.vmtopo', t => t.replace('on h0', 'on h1')],
            ['hosts.vmtopo', t => insertAt(t, '// rack 2', 'y')],
            ['hosts.vmtopo', t => t.replace('// rack 2', '// rack 2 {')],      // an unbalanced brace in a comment: still one block
            ['hosts.vmtopo', t => t.replace('host h2 from t {', 'host h2 from t {\n    nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 2')],
            ['hosts.vmtopo', t => t.replace('    platform kvm\n    // rack 4', '    platform kvm\n    socket {\n    // rack 4')], // a parse error
            ['hosts.vmtopo', t => t.replace('    socket {\n    // rack 4', '    // rack 4')]
        ];
        let version = 1;
        for (const [name, change] of edits) {
            files[name] = change(files[name]);
            await edit(ws, name, files[name], ++version);
            const fresh = await buildWorkspace(files);
            for (const n of names) expect(view(ws.diagnostics(n)), `${n} after editing ${name} (version ${version})`).toEqual(view(fresh.diagnostics(n)));
        }
    });

    it('an update cancelled before its decisions leaves nothing stale: the next update builds it all', async () => {
        const files: Record<string, string> = { 'hosts.vmtopo': HOSTS_FILE, ...VM_FILES };
        const ws = await buildWorkspace(files);
        const builder = ws.services.shared.workspace.DocumentBuilder;
        // h1 renamed (c and e2 name it), the update cancelled once the hosts file is parsed again.
        files['hosts.vmtopo'] = HOSTS_FILE.replace('host h1 {', 'host h1x {');
        const uri = URI.file('/ws/hosts.vmtopo');
        ws.services.shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', 2, files['hosts.vmtopo']));
        const source = new Cancellation.CancellationTokenSource();
        const listener = builder.onBuildPhase(DocumentState.Parsed, () => source.cancel());
        await expect(builder.update([uri], [], source.token)).rejects.toSatisfy(isOperationCancelled);
        listener.dispose();
        files['b.vmtopo'] = VM_FILES['b.vmtopo'].replace('pin 0,16', 'pin 1,17');
        await edit(ws, 'b.vmtopo', files['b.vmtopo'], 3);
        const fresh = await buildWorkspace(files);
        for (const n of Object.keys(files)) expect(view(ws.diagnostics(n)), n).toEqual(view(fresh.diagnostics(n)));
        expect(view(ws.diagnostics('c.vmtopo')).join('\n')).toMatch(/h1/);
    });

    it('a keystroke in one host\'s block leaves the files of the VMs on its other hosts alone, and validates those on that host again', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOSTS_FILE, ...VM_FILES });
        const doc = (name: string) => ws.documents[Object.keys({ 'hosts.vmtopo': '', ...VM_FILES }).indexOf(name)];
        // A first keystroke validates the VM files with the categories of an edit (the build above ran all of them).
        await edit(ws, 'hosts.vmtopo', HOSTS_FILE.replace('// rack 4', '// rack 4x'), 2);
        const before = Object.fromEntries(Object.keys(VM_FILES).map(n => [n, doc(n).diagnostics]));
        // a has diagnostics related to places in the hosts file (before h1's block: they do not move).
        expect(ws.diagnostics('a.vmtopo').some(d => d.relatedInformation?.some(r => r.location.uri.endsWith('hosts.vmtopo')))).toBe(true);
        await edit(ws, 'hosts.vmtopo', HOSTS_FILE.replace('// rack 4', '// rack 4x').replace('// rack 2', '// rack 2x'), 3);
        // a, b (on h0) and d (on h2) kept their diagnostics; c and e (a VM on h1 each) were validated again.
        for (const n of ['a.vmtopo', 'b.vmtopo', 'd.vmtopo']) expect(doc(n).diagnostics, n).toBe(before[n]);
        for (const n of ['c.vmtopo', 'e.vmtopo']) expect(doc(n).diagnostics, n).not.toBe(before[n]);
    });
});
