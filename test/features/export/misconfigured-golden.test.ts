/**
 * The misconfigured example exported in every per-VM format of the registry: the VMs without errors
 * of their own (nor on their host) are written, each the same as its golden file
 * (`test/golden/misconfigured-<vm><suffix>`), and the VMs with errors are refused. The HGX example's
 * golden files are each format's own test; KubeVirt's test also covers this example. Every written
 * file is also accepted by the format's consumers (the programs of its registry record).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, type VmFormat } from '../../../language/src/features/export/formats.js';
import { exportFiles } from '../../../language/src/features/export/index.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { consume, installed } from '../../support/consumers.js';
import { expectGolden } from '../../support/golden.js';
import { REPO } from '../../support/util.js';

const EXAMPLE = path.join(REPO, 'examples', 'misconfigured.vmtopo');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-misconfigured-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** The VMs of the example that check clean, by platform (the example's comments say which VMs break which rule). */
const CLEAN_VMS = { kvm: ['fat', 'o1', 'o2', 'share', 'spread', 'wide'], esxi: ['esx-r'] } as const;

const perVm = EXPORT_FORMATS.filter((f): f is VmFormat => f.scope === 'vm' && f.id !== 'kubevirt');

describe('the misconfigured example in every per-VM format: the clean VMs written, each as its golden file', () => {
    for (const format of perVm) {
        it(`${format.id}: ${format.label}`, async () => {
            const dir = path.join(out, format.id);
            const result = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [EXAMPLE], format: format.id, outDir: dir });
            // the broken VMs are refused (the file has errors), the clean ones of the format's platforms written
            expect(result.ok).toBe(false);
            const expected = (format.platforms ?? ['kvm', 'esxi']).flatMap(p => CLEAN_VMS[p]);
            const written = result.written.map(f => path.basename(f, format.suffix)).sort();
            expect(written, result.problems.join('\n')).toEqual([...expected].sort());
            for (const file of result.written) {
                expectGolden(`misconfigured-${path.basename(file)}`, fs.readFileSync(file, 'utf8'));
                for (const consumer of format.consumers.filter(c => installed(c.tool) || process.env.CI)) {
                    const run = consume(consumer, file);
                    expect(run.status, `${consumer.tool} on ${path.basename(file)}: ${run.output}`).toBe(0);
                }
            }
        });
    }
});
