/**
 * The two export commands, run as a user's key binding would run them with a VM name argument
 * (`executeCommand('vmtopo.exportLibvirt', uri, 'train-a')`), write that VM's files into the
 * configured output folder (`out` beside the file); the libvirt domain passes virt-xml-validate
 * (libvirt's RELAX NG schema) and the NCCL topology file is well-formed XML (xmllint) with NCCL's
 * `<system>` root and the VM's four GPUs (PCI class 0x0302).
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { exampleUri, openExample, workspaceRoot } from './helpers.js';

interface ExportResult { ok: boolean; written: string[]; problems: string[] }

function run(command: string, args: string[]): { status: number | null; output: string } {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.error) {
        throw new Error(`${command} could not run (${result.error.message}); .ci/run installs it`);
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('export commands', () => {
    const outDir = () => path.join(workspaceRoot(), 'out');
    before(() => fs.rmSync(outDir(), { recursive: true, force: true }));

    it('vmtopo.exportLibvirt writes the chosen VM\'s domain XML, which passes virt-xml-validate', async () => {
        await openExample('hgx-h200.vmtopo');
        const result = await vscode.commands.executeCommand<ExportResult>('vmtopo.exportLibvirt', exampleUri('hgx-h200.vmtopo'), 'train-a');
        assert.ok(result, 'the command returns the export result');
        assert.deepEqual(result.problems.filter(p => !result.ok || /error/i.test(p)), []);
        assert.equal(result.ok, true);
        assert.equal(result.written.length, 1, `one file for one VM: ${result.written.join(', ')}`);
        const [file] = result.written;
        assert.equal(path.dirname(file), outDir());
        assert.match(path.basename(file), /train-a/);
        const xml = fs.readFileSync(file, 'utf8');
        assert.match(xml, /<domain[^>]*type="kvm"/);
        assert.match(xml, /<name>train-a<\/name>/);
        const validate = run('virt-xml-validate', [file, 'domain']);
        assert.equal(validate.status, 0, validate.output);
    });

    it('vmtopo.exportNccl writes the chosen VM\'s NCCL topology, well-formed with its four GPUs', async () => {
        const result = await vscode.commands.executeCommand<ExportResult>('vmtopo.exportNccl', exampleUri('hgx-h200.vmtopo'), 'train-a');
        assert.ok(result, 'the command returns the export result');
        assert.equal(result.ok, true, result.problems.join('\n'));
        assert.equal(result.written.length, 1);
        const [file] = result.written;
        assert.equal(path.dirname(file), outDir());
        const lint = run('xmllint', ['--noout', file]);
        assert.equal(lint.status, 0, lint.output);
        const xml = fs.readFileSync(file, 'utf8');
        assert.match(xml, /<system\b/);
        // GPUs are PCI functions of class 0x0302 (3D controller) in NCCL's topology format
        assert.equal((xml.match(/class="0x0302/g) ?? []).length, 4, 'train-a has four GPUs');
    });

    it('refuses the misconfigured example and writes nothing', async () => {
        const before = fs.existsSync(outDir()) ? fs.readdirSync(outDir()).length : 0;
        const result = await vscode.commands.executeCommand<ExportResult>('vmtopo.exportLibvirt', exampleUri('misconfigured.vmtopo'), 'train');
        assert.ok(result);
        assert.equal(result.ok, false);
        assert.deepEqual(result.written, []);
        assert.equal(fs.existsSync(outDir()) ? fs.readdirSync(outDir()).length : 0, before);
    });
});
