/**
 * The editor's export commands, one per format of the export-format registry
 * (language/src/features/export/formats.ts), run as a user's key binding would run them with a
 * target argument (`executeCommand('vmtopo.exportLibvirt', uri, 'train-a')`; for a per-host format a
 * host, `'sprocket'`): each writes that VM's (host's) file into the configured output folder (`out`
 * beside the file), and every program the registry names as the format's consumer accepts it
 * (virt-xml-validate and `virsh -c test:///default define` for libvirt, xmllint for NCCL, xmllint and
 * rsvg-convert for the SVG). The misconfigured example is refused by every format that refuses
 * errors, and drawn by one that draws them.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXPORT_FORMATS } from '../../../language/src/features/export/formats.js';
import { consume } from '../../support/consumers.js';
import { exampleUri, openExample, workspaceRoot } from './helpers.js';

interface ExportResult { ok: boolean; written: string[]; problems: string[] }

/** The VM (per-VM formats) or host (per-host formats) of the HGX example each format exports. */
const TARGET = { vm: 'train-a', host: 'sprocket' } as const;
/** The same in the ESXi example, for a format whose files run only on ESXi hosts. */
const ESXI_TARGET = { example: 'hgx-h200-esxi.vmtopo', vm: 'train-e', host: 'esx-h200' } as const;
/** The same for the misconfigured example. */
const MISCONFIGURED_TARGET = { vm: 'train', host: 'kvm01' } as const;

describe('export commands', () => {
    const outDir = () => path.join(workspaceRoot(), 'out');
    before(() => fs.rmSync(outDir(), { recursive: true, force: true }));

    for (const format of EXPORT_FORMATS) {
        const esxi = format.platforms !== undefined && !format.platforms.includes('kvm');
        const example = esxi ? ESXI_TARGET.example : 'hgx-h200.vmtopo';
        const target = (esxi ? ESXI_TARGET : TARGET)[format.scope];
        it(`${format.command.id} writes ${target}${format.suffix}, which ${format.consumers.map(c => c.tool).join(' and ')} accept`, async () => {
            await openExample(example);
            const result = await vscode.commands.executeCommand<ExportResult>(format.command.id, exampleUri(example), target);
            assert.ok(result, 'the command returns the export result');
            assert.equal(result.ok, true, result.problems.join('\n'));
            assert.deepEqual(result.written, [path.join(outDir(), `${target}${format.suffix}`)]);
            for (const consumer of format.consumers) {
                const run = consume(consumer, result.written[0]);
                assert.equal(run.status, 0, `${consumer.tool}: ${run.output}`);
                if (consumer.expect) assert.ok(run.output.includes(consumer.expect.replace(/\{name\}/g, target)), `${consumer.tool}: ${run.output}`);
            }
        });
    }

    for (const format of EXPORT_FORMATS) {
        const target = MISCONFIGURED_TARGET[format.scope];
        it(`${format.command.id} ${format.writesWithErrors ? 'draws' : 'refuses'} the misconfigured example${format.writesWithErrors ? '' : ' and writes nothing'}`, async () => {
            const before = fs.existsSync(outDir()) ? fs.readdirSync(outDir()).length : 0;
            const result = await vscode.commands.executeCommand<ExportResult>(format.command.id, exampleUri('misconfigured.vmtopo'), target);
            assert.ok(result);
            assert.equal(result.ok, format.writesWithErrors, result.problems.join('\n'));
            if (format.writesWithErrors) {
                assert.deepEqual(result.written, [path.join(outDir(), `${target}${format.suffix}`)]);
            } else {
                assert.deepEqual(result.written, []);
                assert.equal(fs.existsSync(outDir()) ? fs.readdirSync(outDir()).length : 0, before);
            }
        });
    }
});
