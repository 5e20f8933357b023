/**
 * Workspace integrity (issue #6, item 2): host and VM names are unique across the whole workspace,
 * not per file (SYN005 in every file that declares one), VM names equal but for case are a warning
 * (SYN009: their export files collide on case-insensitive file systems), a name outside ASCII is
 * SYN010 instead of a bare lexing error, and every diagnostic carries a code — Langium's own
 * `lexing-error`, `parsing-error` and `linking-error` too. `vmtopo check` fails on a VM declared in
 * two files and `vmtopo export` writes nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocument, URI } from 'langium';
import { describe, it, expect } from 'vitest';
import { ruleDocUrl } from '../../language/src/rules/engine/links.js';
import { ruleById } from '../../language/src/rules/index.js';
import { build, buildWorkspace, withCode, type Workspace } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';
import { runCli, type CliIo } from '../../language/src/cli/cli.js';

const vm = (name: string, cpu: number, host = 'h') => `vm ${name} on ${host} {\n    vcpus 1 pin ${cpu}\n    memory 8 GiB on numa 0\n}\n`;

/** Replaces the text of `name` as an editor does (TextDocuments + DocumentBuilder.update). */
async function edit(ws: Workspace, name: string, text: string, version: number): Promise<void> {
    const uri = URI.file(`/ws/${name}`);
    ws.services.shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', version, text));
    await ws.services.shared.workspace.DocumentBuilder.update([uri], []);
}

describe('SYN005: host and VM names are unique across the workspace', () => {
    it('a VM declared in two files is an error in both files, each naming the other place', async () => {
        const a = vm('train', 0);
        const b = `// team b\n${vm('train', 1)}`;
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'a.vmtopo': a, 'b.vmtopo': b });
        const inA = withCode(ws.diagnostics('a.vmtopo'), 'SYN005');
        const inB = withCode(ws.diagnostics('b.vmtopo'), 'SYN005');
        expect(inA.map(d => d.message)).toEqual([
            "Duplicate name 'train': also declared as VM at b.vmtopo:2; host and VM names are unique across the workspace (a VM's name is its export file name)."
        ]);
        expect(inB.map(d => d.message)).toEqual([
            "Duplicate name 'train': also declared as VM at a.vmtopo:1; host and VM names are unique across the workspace (a VM's name is its export file name)."
        ]);
        expect([...inA, ...inB].every(d => d.severity === Severity.error)).toBe(true);
        expect(inA[0].range).toEqual({ start: at(a, 'train'), end: { line: 0, character: 8 } });
        expect(inB[0].range.start).toEqual(at(b, 'train'));
        expect(inA[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(inA[0].code))!));
        expect(ws.diagnostics('hosts.vmtopo')).toEqual([]);
    });

    it('a host declared in two files, and a host and a VM of one name, are errors too', async () => {
        const more = HOST + vm('h2', 0) + HOST.replace('host h {', 'host h2 {');
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'more.vmtopo': more });
        const vmLine = at(more, 'vm h2').line + 1;
        const hostLine = at(more, 'host h2').line + 1;
        expect(withCode(ws.diagnostics('hosts.vmtopo'), 'SYN005').map(d => d.message)).toEqual([
            "Duplicate name 'h': also declared as host at more.vmtopo:1; host and VM names are unique across the workspace (a VM's name is its export file name)."
        ]);
        expect(withCode(ws.diagnostics('more.vmtopo'), 'SYN005').map(d => d.message)).toEqual([
            "Duplicate name 'h': also declared as host at hosts.vmtopo:1; host and VM names are unique across the workspace (a VM's name is its export file name).",
            `Duplicate name 'h2': also declared as VM at line ${vmLine}; host and VM names are unique across the workspace (a VM's name is its export file name).`,
            `Duplicate name 'h2': also declared as host at line ${hostLine}; host and VM names are unique across the workspace (a VM's name is its export file name).`
        ]);
    });

    it('one file: each of the two declarations is reported once (the node check no longer reports hosts and VMs)', async () => {
        const text = HOST + vm('a', 0) + vm('a', 1);
        const found = withCode((await build(text)).diagnostics(), 'SYN005');
        expect(found.map(d => d.range.start)).toEqual([{ ...at(text, 'vm a'), character: 3 }, { ...at(text, 'vm a', 1), character: 3 }]);
        expect(found[0].message).toBe(`Duplicate name 'a': also declared as VM at line ${at(text, 'vm a', 1).line + 1}; host and VM names are unique across the workspace (a VM's name is its export file name).`);
    });

    it('stays short for 300 declarations of one name: one diagnostic each, three others named', async () => {
        const text = HOST + Array.from({ length: 300 }, (_, i) => `vm a on h { vcpus 1 pin ${i % 32} memory 1 GiB }\n`).join('');
        const found = withCode((await build(text)).diagnostics(), 'SYN005');
        expect(found).toHaveLength(300);
        const first = at(text, 'vm a').line + 1;
        expect(found[0].message).toBe(`Duplicate name 'a': also declared as VM at line ${first + 1}, VM at line ${first + 2}, VM at line ${first + 3}, 296 more; `
            + "host and VM names are unique across the workspace (a VM's name is its export file name).");
    });

    it('names inside a host stay per host: two hosts may each have a gpu0', async () => {
        const ws = await buildWorkspace({ 'a.vmtopo': HOST, 'b.vmtopo': HOST.replace('host h {', 'host h2 {') + vm('x', 0, 'h2') });
        expect(ws.diagnostics('a.vmtopo')).toEqual([]);
        expect(ws.diagnostics('b.vmtopo')).toEqual([]);
    });

    it('does not fire for different names in two files', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'a.vmtopo': vm('train-a', 0), 'b.vmtopo': vm('train-b', 1) });
        expect([...ws.diagnostics('a.vmtopo'), ...ws.diagnostics('b.vmtopo')]).toEqual([]);
    });

    it('an edit that renames the VM of one file updates the other file, though they share no host', async () => {
        const H2 = HOST.replace('host h {', 'host h2 {');
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST + H2, 'a.vmtopo': vm('train', 0, 'h'), 'b.vmtopo': vm('train', 0, 'h2') });
        expect(withCode(ws.diagnostics('b.vmtopo'), 'SYN005')).toHaveLength(1);
        await edit(ws, 'a.vmtopo', vm('train-a', 0, 'h'), 2);
        expect(withCode(ws.diagnostics('b.vmtopo'), 'SYN005')).toEqual([]);
        await edit(ws, 'a.vmtopo', vm('Train', 0, 'h'), 3);
        expect(withCode(ws.diagnostics('b.vmtopo'), 'SYN009')).toHaveLength(1);
    });
});

describe('SYN009: VM names that differ only in case', () => {
    it('warns in both files, naming the other spelling', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST, 'a.vmtopo': vm('Train', 0), 'b.vmtopo': vm('train', 1) });
        const inA = withCode(ws.diagnostics('a.vmtopo'), 'SYN009');
        const inB = withCode(ws.diagnostics('b.vmtopo'), 'SYN009');
        expect(inA.map(d => d.message)).toEqual([
            "VM 'Train' differs from 'train' (b.vmtopo:1) only in case; their export files (Train.domain.xml…) are one file on a case-insensitive file system."
        ]);
        expect(inB.map(d => d.message)).toEqual([
            "VM 'train' differs from 'Train' (a.vmtopo:1) only in case; their export files (train.domain.xml…) are one file on a case-insensitive file system."
        ]);
        expect([...inA, ...inB].every(d => d.severity === Severity.warning)).toBe(true);
        expect(inA[0].range.start).toEqual({ line: 0, character: 3 });
        expect(inA[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(inA[0].code))!));
        expect(withCode([...ws.diagnostics('a.vmtopo'), ...ws.diagnostics('b.vmtopo')], 'SYN005')).toEqual([]);
    });

    it('does not fire for names that differ otherwise, nor for host names (they name no file)', async () => {
        const ws = await buildWorkspace({ 'hosts.vmtopo': HOST + HOST.replace('host h {', 'host H {'), 'a.vmtopo': vm('train', 0), 'b.vmtopo': vm('train2', 1) });
        expect([...ws.diagnostics('hosts.vmtopo'), ...ws.diagnostics('a.vmtopo'), ...ws.diagnostics('b.vmtopo')]).toEqual([]);
    });
});

describe('SYN010: names are ASCII', () => {
    it('a VM name with ä is one name with a coded error, and the rest of the file parses', async () => {
        const text = HOST + vm('träin', 0);
        const ws = await build(text);
        const d = ws.diagnostics();
        expect(d.map(x => x.code)).toEqual(['SYN010']);
        expect(d[0].severity).toBe(Severity.error);
        expect(d[0].message).toBe("'träin' is not a valid name: names use ASCII letters, digits, _ and - (it contains 'ä' (U+00E4)).");
        expect(d[0].range).toEqual({ start: at(text, 'träin'), end: { ...at(text, 'träin'), character: at(text, 'träin').character + 5 } });
        expect(d[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(d[0].code))!));
        expect(ws.resolved().topology.vms.map(v => `${v.name} ${String(v.pin)}`)).toEqual(['träin 0']);
    });

    it('a device name with ü, where it is declared and where a VM names it; a name of another script', async () => {
        const text = HOST.replace('gpu gpu1 "H200', 'gpu gpü1 "H200') + 'vm a on h {\n    vcpus 1 pin 0\n    memory 8 GiB on numa 0\n    gpu gpü1 passthrough\n}\n'
            + 'vm b on h {\n    vcpus 1 pin 1\n    memory 8 GiB on numa 0\n    gpu gpuх passthrough\n}\n';
        const d = (await build(text)).diagnostics();
        const lines = [at(text, 'gpuх').line, at(text, 'gpü1').line, at(text, 'gpü1', 1).line, at(text, 'gpuх').line];
        expect(d.map(x => `${x.code} ${x.range.start.line}`)).toEqual(['linking-error', 'SYN010', 'SYN010', 'SYN010'].map((c, i) => `${c} ${lines[i]}`));
        expect(d[1].message).toBe("'gpü1' is not a valid name: names use ASCII letters, digits, _ and - (it contains 'ü' (U+00FC)).");
        expect(d[3].message).toBe("'gpuх' is not a valid name: names use ASCII letters, digits, _ and - (it contains 'х' (U+0445)).");
        expect(d[0].message).toBe("Could not resolve reference to Gpu named 'gpuх'.");
    });

    it('another character outside ASCII keeps a lexing error, with a code and a message naming it', async () => {
        const text = HOST.replace('memory 256 GiB }\n    socket cpu1', 'memory 256 GiB } →\n    socket cpu1');
        const d = (await build(text)).diagnostics();
        expect(d.map(x => x.code)).toEqual(['lexing-error']);
        expect(d[0].message).toBe("unexpected character '→' (U+2192): outside strings and comments vmtopo reads ASCII only; names use ASCII letters, digits, _ and -");
        expect(d[0].range.start).toEqual(at(text, '→'));
    });

    it('does not fire for ASCII names, nor for letters outside ASCII in comments and strings', async () => {
        const text = HOST + '// Träger: the training VM\n' + vm('train_a-1', 0).replace('vm train_a-1', '/** für Jörg */\nvm train_a-1');
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('every diagnostic carries a code', () => {
    it('lexing, parsing and linking errors have code lexing-error, parsing-error, linking-error', async () => {
        const text = `${HOST}vm a on nowhere {\n    vcpus 1 pin 0\n    memory 8 GiB\n    mmio §\n}\nvm b on h { vcpus }\n`;
        const d = (await build(text)).diagnostics();
        expect(d.length).toBeGreaterThan(0);
        expect(d.every(x => typeof x.code === 'string' && x.code.length > 0)).toBe(true);
        expect(new Set(d.map(x => x.code))).toEqual(new Set(['lexing-error', 'parsing-error', 'linking-error']));
        for (const x of d) expect(x.code).toBe((x.data as { code: string }).code);
    });
});

describe('the command line: one VM in two files', () => {
    async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
        let stdout = '';
        let stderr = '';
        const io: CliIo = { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, cwd, env: {} };
        const code = await runCli(['node', 'vmtopo', ...args], io);
        return { code, stdout, stderr };
    }

    it('check fails with SYN005 in both files, and export writes nothing', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-ws-'));
        try {
            fs.writeFileSync(path.join(dir, 'hosts.vmtopo'), HOST);
            fs.writeFileSync(path.join(dir, 'a.vmtopo'), vm('train', 0));
            fs.writeFileSync(path.join(dir, 'b.vmtopo'), vm('train', 1));
            const files = ['hosts.vmtopo', 'a.vmtopo', 'b.vmtopo'];
            const check = await cli(['check', ...files], dir);
            expect(check.code).toBe(1);
            const lines = check.stdout.split('\n').filter(l => l.includes('SYN005'));
            expect(lines).toEqual([
                "a.vmtopo:1:4 error SYN005 Duplicate name 'train': also declared as VM at b.vmtopo:1; host and VM names are unique across the workspace (a VM's name is its export file name).",
                "b.vmtopo:1:4 error SYN005 Duplicate name 'train': also declared as VM at a.vmtopo:1; host and VM names are unique across the workspace (a VM's name is its export file name)."
            ]);
            expect(check.stdout).toContain('2 errors, 0 warnings');

            for (const format of ['libvirt', 'nccl']) {
                const out = path.join(dir, `out-${format}`);
                const exported = await cli(['export', format, ...files, '-o', out], dir);
                expect(exported.code).toBe(1);
                expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
            }
            expect(fs.readdirSync(dir).sort()).toEqual(['a.vmtopo', 'b.vmtopo', 'hosts.vmtopo']);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
