/**
 * Rule control in the language server (the bundled server over stdio): the client declares
 * `workspace.configuration`, answers the server's `workspace/configuration` requests for the
 * `vmtopo` section with `{ rules: { … } }`, and changes the settings — by the pull model
 * (`workspace/didChangeConfiguration` without settings: the server asks again) and by the push model
 * (the notification carries the section, as VS Code sends it). Each change validates the documents
 * again, and their published diagnostics change without any edit. Suppression comments work in the
 * editor as on the command line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleDocUrl } from '../../language/src/rules/engine/links.js';
import { ruleById } from '../../language/src/rules/index.js';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
    createMessageConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
    ConfigurationRequest, RegistrationRequest, DidChangeConfigurationNotification, DidOpenTextDocumentNotification,
    PublishDiagnosticsNotification, LogMessageNotification, ShutdownRequest, ExitNotification,
    type MessageConnection, type Diagnostic, type ConfigurationParams
} from 'vscode-languageserver/node';
import { SERVER, ensureBundle, uriOf } from '../support/lsp-server.js';

const HOST = `host h {
    platform kvm
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
}
`;
/** Two VMs on CPUs 1 and 17: LOC008 (error) on b, in vms.vmtopo. */
const VMS = `vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 4 pin 1-2,17-18
    memory 8 GiB on numa 0
}
`;
/** A file with a suppression comment that names a rule reporting nothing: SUP002. */
const SUPPRESSED = `vm c on h {
    // vmtopo-ignore LOC001: pinned by the scheduler
    vcpus 2 pin 4-5
    memory 8 GiB on numa 0
}
`;

describe('language server: vmtopo.rules from workspace/configuration', () => {
    let server: ChildProcess;
    let connection: MessageConnection;
    let workspace: string;
    let stderr = '';
    /** What the client answers for the `vmtopo` section. */
    let settings: unknown = { rules: { LOC008: 'warning' } };
    const configurationRequests: ConfigurationParams[] = [];
    const published = new Map<string, Diagnostic[]>();
    const logged: string[] = [];
    const waiters: Array<() => void> = [];

    /** Resolves when the latest diagnostics published for `uri` satisfy `test`. */
    function diagnosticsWhere(uri: string, test: (ds: Diagnostic[]) => boolean, what: string, timeoutMs = 20_000): Promise<Diagnostic[]> {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what} in ${uri}; last: ${JSON.stringify(published.get(uri)?.map(d => [d.code, d.severity]))}; stderr: ${stderr}`)), timeoutMs);
            const check = (): void => {
                const ds = published.get(uri);
                if (ds && test(ds)) {
                    clearTimeout(timer);
                    resolve(ds);
                } else {
                    waiters.push(check);
                }
            };
            check();
        });
    }
    const codes = (ds: Diagnostic[]) => ds.map(d => `${d.code}:${d.severity}`).sort().join(' ');

    let vmsUri: string;
    let suppressedUri: string;

    beforeAll(async () => {
        ensureBundle();
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-lsp-settings-'));
        for (const [name, text] of [['host.vmtopo', HOST], ['vms.vmtopo', VMS], ['suppressed.vmtopo', SUPPRESSED]]) {
            fs.writeFileSync(path.join(workspace, name), text);
        }
        vmsUri = uriOf(path.join(workspace, 'vms.vmtopo'));
        suppressedUri = uriOf(path.join(workspace, 'suppressed.vmtopo'));
        server = spawn(process.execPath, [SERVER, '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
        server.stderr!.on('data', chunk => { stderr += String(chunk); });
        connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
        connection.onRequest(ConfigurationRequest.type, params => {
            configurationRequests.push(params);
            return params.items.map(item => (item.section === 'vmtopo' ? settings : null));
        });
        connection.onRequest(RegistrationRequest.type, () => { /* accepted */ });
        connection.onNotification(LogMessageNotification.type, params => { logged.push(params.message); });
        connection.onNotification(PublishDiagnosticsNotification.type, params => {
            published.set(params.uri, params.diagnostics);
            for (const waiter of waiters.splice(0)) waiter();
        });
        connection.listen();
        await connection.sendRequest(InitializeRequest.type, {
            processId: process.pid,
            rootUri: uriOf(workspace),
            workspaceFolders: [{ uri: uriOf(workspace), name: 'settings-test' }],
            capabilities: {
                workspace: { workspaceFolders: true, configuration: true, didChangeConfiguration: { dynamicRegistration: true } }
            }
        });
        await connection.sendNotification(InitializedNotification.type, {});
        for (const [uri, text] of [[vmsUri, VMS], [suppressedUri, SUPPRESSED]]) {
            await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'vmtopo', version: 1, text } });
        }
    }, 120_000);

    afterAll(async () => {
        if (server && server.exitCode === null) {
            const exited = new Promise(resolve => server.once('exit', resolve));
            await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
            await connection.sendNotification(ExitNotification.type).catch(() => undefined);
            await Promise.race([exited, new Promise(r => setTimeout(r, 5_000))]);
            if (server.exitCode === null) server.kill('SIGKILL');
        }
        connection?.dispose();
        if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('asks for the vmtopo section at start and applies its rules: LOC008 is a warning', async () => {
        await diagnosticsWhere(vmsUri, ds => codes(ds) === 'LOC008:2', 'LOC008 as a warning');
        expect(configurationRequests[0].items).toEqual([{ section: 'vmtopo' }]);
        expect(stderr).toBe('');
    });

    it('reports an unused suppression as SUP002 on its rule id', async () => {
        const ds = await diagnosticsWhere(suppressedUri, d => d.some(x => x.code === 'SUP002'), 'SUP002');
        expect(ds.map(d => [d.code, d.severity, d.range.start])).toEqual([['SUP002', 2, { line: 1, character: 21 }]]);
        expect(ds[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(ds[0].code))!));
    });

    it('pull: a change notification without settings makes the server ask again; the diagnostics change with no edit', async () => {
        const asked = configurationRequests.length;
        settings = { rules: { LOC008: 'off', SUP002: 'error' } };
        await connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
        await diagnosticsWhere(vmsUri, ds => ds.length === 0, 'LOC008 turned off');
        const sup = await diagnosticsWhere(suppressedUri, ds => codes(ds) === 'SUP002:1', 'SUP002 as an error');
        expect(sup).toHaveLength(1);
        expect(configurationRequests.length).toBe(asked + 1);
    });

    it('push: a change notification carrying the vmtopo section applies it without asking', async () => {
        const asked = configurationRequests.length;
        await connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { vmtopo: { rules: {} } } });
        await diagnosticsWhere(vmsUri, ds => codes(ds) === 'LOC008:1', 'LOC008 back to an error');
        await diagnosticsWhere(suppressedUri, ds => codes(ds) === 'SUP002:2', 'SUP002 back to a warning');
        expect(configurationRequests.length).toBe(asked);
    });

    it('ignores unknown rules and levels in the setting (a log line), keeping the valid entries', async () => {
        await connection.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { vmtopo: { rules: { LOC008: 'info', NOPE001: 'off', SUP002: 'loud' } } }
        });
        await diagnosticsWhere(vmsUri, ds => codes(ds) === 'LOC008:3', 'LOC008 as an info');
        expect(published.get(suppressedUri)!.map(d => `${d.code}:${d.severity}`)).toEqual(['SUP002:2']);
        expect(logged).toEqual(expect.arrayContaining([
            'vmtopo.rules: unknown rule NOPE001; ignored',
            'vmtopo.rules: SUP002: unknown level "loud" (use off, info, warning, error); ignored'
        ]));
    });
});
