/**
 * `exportFiles`, the export the CLI and the VS Code commands run: reads real files, refuses files
 * with errors (nothing written), selects VMs, writes atomically and touches nothing else.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { exportFileName, exportFiles, formatDiagnostic, writeFileAtomic } from '../language/src/export/index.js';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import { ESXI_HOST } from './fixtures.js';
import { readRepoFile } from './util.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-export-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const services = () => createVmtopoServices(NodeFileSystem);

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
        const names = ['train-a', 'infer-b', 'tenant-c', 'tenant-d'].map(vm => exportFileName(vm, 'libvirt'));
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
        expect(result.problems).toEqual([`no VM named 'train-z' in ${file}; VMs: train-a, infer-b, tenant-c, tenant-d`]);
        expect(tree(dir)).toEqual(['hgx-h200.vmtopo']);
    });
});

describe('refusals', () => {
    it('refuses a file with errors, lists them as file:line:col severity code message, and writes nothing', async () => {
        // vCPU pinned to CPU 999, which the host does not have (LOC013, an error)
        const text = readRepoFile('examples/hgx-h200.vmtopo').replace('vcpus 32 pin 72-87,200-215', 'vcpus 32 pin 72-87,200-214,999');
        const file = write('broken.vmtopo', text);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.problems[0]).toMatch(/^refusing to export: \d+ errors? in .*broken\.vmtopo; nothing was written$/);
        const line = text.split('\n').findIndex(l => l.includes('200-214,999')) + 1;
        expect(result.problems.some(p => p.startsWith(`${file}:${line}:`) && / error LOC013 /.test(p))).toBe(true);
        expect(tree(dir)).toEqual(['broken.vmtopo']);
    });

    it('refuses a file that does not exist', async () => {
        const missing = path.join(dir, 'nope.vmtopo');
        const result = await exportFiles(services(), { files: [missing], format: 'nccl' });
        expect(result).toEqual({ ok: false, written: [], problems: [`${missing}: no such file`] });
    });

    it('refuses, with nothing written, when a VM of the file cannot be exported (ESXi host)', async () => {
        const file = write('esxi.vmtopo', `${ESXI_HOST}
vm x on e { vcpus 2 pin 0,16 memory 8 GiB on numa 0 hugepages 1 GiB gpu gpu0 passthrough mmio 512 GiB }
`);
        const result = await exportFiles(services(), { files: [file], format: 'libvirt' });
        expect(result.ok).toBe(false);
        expect(result.written).toEqual([]);
        expect(result.problems[0]).toMatch(/esxi\.vmtopo: x runs on ESXi host e; libvirt domain XML is only exported for VMs on KVM hosts/);
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
    it('prints 1-based line and column, severity, code and message on one line', () => {
        const line = formatDiagnostic('/w/a.vmtopo', {
            range: { start: { line: 4, character: 9 }, end: { line: 4, character: 12 } },
            severity: 2, code: 'LOC001', message: 'vCPU 0 of v is pinned\nto CPU 64'
        });
        expect(line).toBe('/w/a.vmtopo:5:10 warning LOC001 vCPU 0 of v is pinned to CPU 64');
    });
});
