/**
 * `exportFiles`, the export the CLI and the VS Code commands run: reads real files, refuses each VM
 * that it or its host has errors (and writes the others), selects VMs, writes atomically and touches nothing else; cleans up
 * what a killed export left, reports a write that fails part-way without throwing, and never
 * overwrites a file it wrote in the same run.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { URI } from 'langium';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { NAME_MAX_BYTES, tempFileName, writeFileAtomic } from '../../../language/src/kernel/files.js';
import { escapePath, escapeText } from '../../../language/src/kernel/text.js';
import { exportFileName, exportFiles } from '../../../language/src/features/export/index.js';
import { formatDiagnostic } from '../../../language/src/kernel/diagnostics.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { readRepoFile } from '../../support/util.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-export-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const services = () => createVmtopoServices(NodeFileSystem);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

/** Every file under `root`, relative, sorted. */
function tree(root: string): string[] {
    if (!fs.existsSync(root)) return [];
    return (fs.readdirSync(root, { recursive: true }) as string[])
        .filter(f => fs.statSync(path.join(root, f)).isFile()).sort();
}

describe('exporting the HGX example from disk', () => {
    it('writes one libvirt file per VM into out/ beside the file, and nothing else', async () => {
        const file = write('hgx-h200.vmtopo', readRepoFile('examples/hgx-h200.vmtopo'));
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.problems).toEqual([]);
        expect(result.ok).toBe(true);
        const names = ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d'].map(vm => exportFileName(vm, 'libvirt'));
        expect(result.written).toEqual(names.map(n => path.join(dir, 'out', n)));
        expect(tree(dir)).toEqual(['hgx-h200.vmtopo', ...names.map(n => path.join('out', n))].sort());
        expect(fs.readFileSync(path.join(dir, 'out', 'train-a.domain.xml'), 'utf8')).toContain('<name>train-a</name>');
    });

    it('exports one VM with vm, into outDir, leaving other files of that folder untouched', async () => {
        const file = write('hgx-h200.vmtopo', readRepoFile('examples/hgx-h200.vmtopo'));
        const out = path.join(dir, 'nccl');
        fs.mkdirSync(out);
        const keep = path.join(out, 'notes.txt');
        fs.writeFileSync(keep, 'mine');
        const old = new Date('2020-01-01T00:00:00Z');
        fs.utimesSync(keep, old, old);
        const result = await exportFiles(services(), { files: [file], format: 'nccl', vm: 'infer-b', outDir: out });
        expect(result).toEqual({ ok: true, written: [path.join(out, 'infer-b.nccl-topo.xml')], problems: [] });
        expect(tree(out)).toEqual(['infer-b.nccl-topo.xml', 'notes.txt']);
        expect(fs.readFileSync(keep, 'utf8')).toBe('mine');
        expect(fs.statSync(keep).mtime.getTime()).toBe(old.getTime());
        expect(fs.readFileSync(path.join(out, 'infer-b.nccl-topo.xml'), 'utf8')).toMatch(/^<system version="1">\n/);
    });

    it('names the VMs of the file when asked for one it does not declare', async () => {
        const file = write('hgx-h200.vmtopo', readRepoFile('examples/hgx-h200.vmtopo'));
        const result = await exportFiles(services(), { files: [file], format: 'libvirt', vm: 'train-z' });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.problems).toEqual([`no VM named 'train-z' in ${file}; VMs: train-a, fm-service, infer-b, tenant-c, tenant-d`]);
        expect(tree(dir)).toEqual(['hgx-h200.vmtopo']);
    });
});

describe('refusals', () => {
    it('refuses the VM with errors, names its errors as file:line:col severity code message, and writes the other VMs', async () => {
        // infer-b's vCPU pinned to CPU 999, which the host does not have (LOC013, an error inside infer-b)
        const text = readRepoFile('examples/hgx-h200.vmtopo').replace('vcpus 32 pin 72-87,200-215', 'vcpus 32 pin 72-87,200-214,999');
        const file = write('broken.vmtopo', text);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        const line = text.split('\n').findIndex(l => l.includes('200-214,999')) + 1;
        expect(result.problems[0]).toMatch(new RegExp(`^VM infer-b: \\d+ errors? \\(first: ${escapeRegExp(file)}:${line}:\\d+ error LOC013 `));
        expect(result.problems.slice(1).some(p => p.startsWith(`${file}:${line}:`) && / error LOC013 /.test(p))).toBe(true);
        expect(result.refused?.map(r => [r.kind, r.name])).toEqual([['VM', 'infer-b']]);
        expect(result.refused![0].locations[0]).toMatchObject({ uri: URI.file(file).toString(), range: { start: { line: line - 1 } } });
        // The other VMs of the file have no error: they are written, and said to be.
        expect(result.exported).toEqual(['train-a', 'fm-service', 'tenant-c', 'tenant-d']);
        expect(tree(dir)).toEqual(['broken.vmtopo', ...['fm-service', 'tenant-c', 'tenant-d', 'train-a'].map(vm => `out/${vm}.domain.xml`)]);
    });

    it('refuses every VM of a host with errors (the error is in the host), writing nothing', async () => {
        const file = write('bad-host.vmtopo', THREE_VMS.replace('cores 8-15,24-31', 'cores 7-15,24-31')); // CPU 7 in both sockets: HOST004
        const result = await exportFiles(services(), { files: [file], format: 'nccl' });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.refused?.map(r => r.name)).toEqual(['va', 'vb', 'vc']);
        expect(result.problems[0]).toMatch(/^3 VMs with errors: va \(2\), vb \(2\), vc \(2\); first: .*bad-host\.vmtopo:\d+:\d+ error HOST004 /);
        // each blocking error once, though it blocks three VMs
        expect(result.problems.slice(1)).toHaveLength(2);
        expect(tree(dir)).toEqual(['bad-host.vmtopo']);
    });

    it('a syntax error anywhere in the file refuses all its VMs (the parser may have cut or joined blocks)', async () => {
        const file = write('syntax.vmtopo', `${THREE_VMS}vm vd on h { vcpus 2 pin 4,20 memory 8 GiB on numa 0 ??? }\n`);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.refused?.map(r => r.name)).toEqual(expect.arrayContaining(['va', 'vb', 'vc']));
        expect(tree(dir)).toEqual(['syntax.vmtopo']);
    });

    it('exports an unsaved (untitled:) document from its text, into the folder given, and needs that folder', async () => {
        const s = services();
        // (The language server finds the language of `untitled:Untitled-1` from the editor's languageId;
        // without an editor here, the name carries the extension. test/server/untitled.test.ts has the real form.)
        const uri = URI.parse('untitled:Untitled-1.vmtopo');
        const document = s.shared.workspace.LangiumDocumentFactory.fromString(THREE_VMS, uri);
        s.shared.workspace.LangiumDocuments.addDocument(document);
        const out = path.join(dir, 'chosen');
        const result = await exportFiles(s, { files: [], unsaved: [uri.toString()], format: 'nccl', vm: 'vb', outDir: out });
        expect(result).toEqual({ ok: true, written: [path.join(out, 'vb.nccl-topo.xml')], problems: [] });
        expect(fs.readFileSync(path.join(out, "vb.nccl-topo.xml"), "utf8")).toMatch(/^<system version="1"/);
        const noFolder = await exportFiles(s, { files: [], unsaved: [uri.toString()], format: 'nccl' });
        expect(noFolder).toEqual({ ok: false, written: [], problems: ['untitled:Untitled-1.vmtopo is not saved to a file, so there is no folder beside it: choose the output folder'] });
    });

    it('refuses a file that does not exist', async () => {
        const missing = path.join(dir, 'nope.vmtopo');
        const result = await exportFiles(services(), { files: [missing], format: 'nccl' });
        expect(result).toEqual({ ok: false, written: [], problems: [`${missing}: no such file`] });
    });

    it('refuses, with nothing written, a file whose VMs all run on a platform the format is not for (ESXi host)', async () => {
        const file = write('esxi.vmtopo', `${ESXI_HOST}
vm x on e { vcpus 2 pin 0,16 memory 8 GiB on numa 0 hugepages 1 GiB gpu gpu0 passthrough mmio 512 GiB reserve all }
`);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.problems[0]).toMatch(/^libvirt domain XML files are for VMs on kvm hosts; the VMs of .*esxi\.vmtopo run on esxi host e$/);
        expect(tree(dir)).toEqual(['esxi.vmtopo']);
        // asked for by name, the VM gets the writer's own reason
        const named = await exportFiles(services(), { files: [file], format: 'libvirt', vm: 'x' });
        expect(named.ok).toBe(false);
        expect(named.problems.join('\n')).toMatch(/x runs on ESXi host e; libvirt domain XML is only exported for VMs on KVM hosts/);
        expect(tree(dir)).toEqual(['esxi.vmtopo']);
    });
});

describe('writeFileAtomic', () => {
    it('replaces the file, creates the folder, leaves no temporary file and no other file changed', () => {
        const target = path.join(dir, 'a', 'b', 'x.xml');
        writeFileAtomic(target, 'one');
        const neighbour = path.join(dir, 'a', 'b', 'y.xml');
        fs.writeFileSync(neighbour, 'other');
        writeFileAtomic(target, 'two');
        expect(fs.readFileSync(target, 'utf8')).toBe('two');
        expect(fs.readFileSync(neighbour, 'utf8')).toBe('other');
        expect(tree(dir)).toEqual([path.join('a', 'b', 'x.xml'), path.join('a', 'b', 'y.xml')]);
    });

    it('leaves the old file and no temporary file when the target cannot be replaced', () => {
        const target = path.join(dir, 'taken');
        fs.mkdirSync(target);
        fs.writeFileSync(path.join(target, 'inside'), 'x');
        expect(() => writeFileAtomic(target, 'text')).toThrow();
        expect(tree(dir)).toEqual([path.join('taken', 'inside')]);
    });
});

describe('formatDiagnostic', () => {
    const range = { start: { line: 4, character: 9 }, end: { line: 4, character: 12 } };

    it('prints 1-based line and column, severity, code and message on one line', () => {
        const line = formatDiagnostic('/w/a.vmtopo', { range, severity: 2, code: 'LOC001', message: 'vCPU 0 of v is pinned\nto CPU 64' });
        expect(line).toBe('/w/a.vmtopo:5:10 warning LOC001 vCPU 0 of v is pinned to CPU 64');
    });

    it('escapes control characters, line separators and bidi controls of the path and the message', () => {
        const file = '/w/evil\nname\r\u001b[31m\u2028\u202e\\x.vmtopo';
        const line = formatDiagnostic(file, { range, severity: 1, code: 'SYN001', message: 'bad \u0000 tab\there \u2066x\u2069 \u0085 \u007f end \\ kept' });
        expect(line).toBe('/w/evil\\nname\\x0d\\x1b[31m\\u{2028}\\u{202e}\\\\x.vmtopo:5:10 error SYN001 '
            + 'bad \\x00 tab\\there \\u{2066}x\\u{2069} \\x85 \\x7f end \\ kept');
        expect(line.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/)).toHaveLength(1);
    });

    it('escapePath also escapes the backslash; escapeText keeps it', () => {
        expect(escapePath('a\\b\tc')).toBe('a\\\\b\\tc');
        expect(escapeText('a\\b\tc')).toBe('a\\b\\tc');
        expect(escapeText('Müller ✓ 日本')).toBe('Müller ✓ 日本');
    });
});

/** Three exportable VMs (va, vb, vc) on the fixture host `h`, in declaration order. */
const THREE_VMS = `${HOST}
vm va on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0 }
vm vb on h { vcpus 2 pin 1,17 memory 8 GiB on numa 0 }
vm vc on h { vcpus 2 pin 2,18 memory 8 GiB on numa 0 }
`;

/** The pid of a process that has exited (a `node -e ''` run to its end). */
function deadPid(): number {
    const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
    expect(child.status).toBe(0);
    return child.pid;
}

describe('temporary files of killed exports', () => {
    it('the next export removes the stale temporary file of a killed export of the same target, and nothing else', async () => {
        const file = write('three.vmtopo', THREE_VMS);
        const out = path.join(dir, 'out');
        fs.mkdirSync(out);
        const dead = deadPid();
        const stale = `.va.domain.xml.${dead}.0123abcd.vmtopo-tmp`;                 // killed export of va: removed
        const live = `.va.domain.xml.${process.ppid}.0123abcd.vmtopo-tmp`;         // a live process's export: kept
        const otherTarget = `.notes.xml.${dead}.0123abcd.vmtopo-tmp`;              // another target: kept
        const lookalikes = [`.va.domain.xml.${dead}.tmp`, `.va.domain.xml.notes.vmtopo-tmp`, 'va.domain.xml.bak'];
        for (const name of [stale, live, otherTarget, ...lookalikes]) fs.writeFileSync(path.join(out, name), 'partial');
        const folderLookalike = `.vb.domain.xml.${dead}.0123abcd.vmtopo-tmp`;       // a folder with such a name: kept
        fs.mkdirSync(path.join(out, folderLookalike));

        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.problems).toEqual([]);
        expect(result.ok).toBe(true);
        expect(fs.readdirSync(out).sort()).toEqual(
            [live, otherTarget, ...lookalikes, folderLookalike, 'va.domain.xml', 'vb.domain.xml', 'vc.domain.xml'].sort());
    });

    it('a temporary file name stays within 255 bytes for the longest target name', () => {
        const longest = `${'é'.repeat(100)}${'x'.repeat(NAME_MAX_BYTES - 200 - '.domain.xml'.length)}.domain.xml`;
        expect(Buffer.byteLength(longest)).toBe(NAME_MAX_BYTES);
        const tmp = tempFileName(longest);
        expect(Buffer.byteLength(tmp)).toBeLessThanOrEqual(NAME_MAX_BYTES);
        expect(tmp).toMatch(/^\.é+x*~[0-9a-f]{8}\.\d+\.[0-9a-f]{8}\.vmtopo-tmp$/);
        writeFileAtomic(path.join(dir, longest), 'ok');
        expect(fs.readdirSync(dir)).toEqual([longest]);
    });
});

describe('a write that fails part-way', () => {
    it('returns ok: false with the files written, names the VMs written and not written, and does not throw', async () => {
        const file = write('three.vmtopo', THREE_VMS);
        const out = path.join(dir, 'out');
        // The third target's name is taken by a folder: renaming a file over it fails (EISDIR).
        fs.mkdirSync(path.join(out, 'vc.domain.xml'), { recursive: true });
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.writeFailed).toBe(true);
        expect(result.written).toEqual([path.join(out, 'va.domain.xml'), path.join(out, 'vb.domain.xml')]);
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0]).toMatch(new RegExp(`^cannot write ${path.join(out, 'vc.domain.xml').replace(/[.]/g, '\\.')} \\(E[A-Z]+: [^)]+\\); written: va, vb; not written: vc$`));
        expect(tree(out)).toEqual(['va.domain.xml', 'vb.domain.xml']); // no temporary file left
    });

    it('names every VM as not written when the first file fails', async () => {
        const file = write('three.vmtopo', THREE_VMS);
        const blocker = write('blocker', 'a file, not a folder');
        const result = await exportFiles(services(), { files: [file], format: 'nccl', outDir: path.join(blocker, 'out') });
        expect(result).toEqual({
            ok: false, written: [], writeFailed: true,
            problems: [`cannot write ${path.join(blocker, 'out', 'va.nccl-topo.xml')} (ENOTDIR: not a directory); nothing was written; not written: va, vb, vc`]
        });
    });
});

describe('refusals before anything is written', () => {
    it('refuses two VMs that would write the same file (one VM name in two files of one folder)', async () => {
        const hosts = write('hosts.vmtopo', THREE_VMS);
        const again = write('again.vmtopo', 'vm va on h { vcpus 2 pin 3,19 memory 8 GiB on numa 0 }\n');
        const result = await exportFiles(services(), { files: [hosts, again], format: 'libvirt' });
        // VM names are unique across the workspace (SYN005 in both files), so validation refuses it
        // first; the exporter's own same-target check stays behind it.
        // Each va is refused for its SYN005; vb and vc of hosts.vmtopo have no error and are written.
        expect(result.ok).toBe(false);
        expect(result.refused?.map(r => r.name)).toEqual(['va', 'va']);
        expect(result.exported).toEqual(['vb', 'vc']);
        expect(result.problems[0]).toMatch(/^2 VMs with errors: va \(1\), va \(1\); first: .*hosts\.vmtopo:18:4 error SYN005 /);
        expect(result.problems.slice(1)).toEqual([
            expect.stringMatching(/hosts\.vmtopo:18:4 error SYN005 Duplicate name 'va': also declared as VM at again\.vmtopo:1;/),
            expect.stringMatching(/again\.vmtopo:1:4 error SYN005 Duplicate name 'va': also declared as VM at hosts\.vmtopo:18;/)
        ]);
        expect(tree(dir)).toEqual(['again.vmtopo', 'hosts.vmtopo', 'out/vb.domain.xml', 'out/vc.domain.xml']);
    });

    it('refuses VMs whose names differ only by case (SYN009 warns; on a case-insensitive file system they are one file)', async () => {
        const file = write('case.vmtopo', `${HOST}
vm Train on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0 }
vm train on h { vcpus 2 pin 1,17 memory 8 GiB on numa 0 }
`);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt', outDir: path.join(dir, 'out') });
        expect(result.ok).toBe(false);
        expect(result.problems).toEqual([
            `VM Train of ${file} and VM train of ${file} would both be written to ${path.join(dir, 'out', 'train.domain.xml')}`
        ]);
        expect(tree(dir)).toEqual(['case.vmtopo']);
    });

    it('refuses a VM file whose host, declared in another file of the workspace, has errors', async () => {
        // As in the editor: the host file is part of the workspace, only the VM file is exported.
        const hosts = write('hosts.vmtopo', HOST.replace('cores 8-15,24-31', 'cores 7-15,24-31')); // CPU 7 in both sockets: HOST004
        const vms = write('vms.vmtopo', 'vm va on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0 }\n');
        const s = services();
        await s.shared.workspace.DocumentBuilder.build([await s.shared.workspace.LangiumDocuments.getOrCreateDocument(URI.file(hosts))], { validation: true });
        const result = await exportFiles(s, { files: [vms], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.problems[0]).toMatch(new RegExp(`^VM va: 2 errors \\(first: ${escapeRegExp(hosts)}:\\d+:\\d+ error HOST004 `));
        expect(result.problems.slice(1).every(p => p.includes('error HOST004'))).toBe(true);
        expect(tree(dir)).toEqual(['hosts.vmtopo', 'vms.vmtopo']);
    });

    it('refuses a VM whose export file name would be longer than 255 bytes (SYN008: names fit a file name)', async () => {
        const name = `v${'x'.repeat(NAME_MAX_BYTES - '.domain.xml'.length)}`; // 256 bytes with .domain.xml
        expect(Buffer.byteLength(exportFileName(name, 'libvirt'))).toBe(256);
        const file = write('long.vmtopo', `${THREE_VMS}vm ${name} on h { vcpus 2 pin 3,19 memory 8 GiB on numa 0 }\n`);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.problems[0]).toMatch(/^VM vx+: 1 error \(first: .*long\.vmtopo:\d+:\d+ error SYN008 /);
        expect(result.problems[1]).toMatch(/ error SYN008 This name has 245 characters; names are at most 241/);
        // only that VM: the others of the file are written
        expect(tree(dir)).toEqual(['long.vmtopo', 'out/va.domain.xml', 'out/vb.domain.xml', 'out/vc.domain.xml']);
    });
});
