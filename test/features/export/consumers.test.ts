/**
 * Every format of the export-format registry is checked by the programs that consume its files (the
 * record's `consumers`): the HGX example (for a format whose files run only on ESXi, the ESXi example) is exported in each format with `exportFiles` (what the CLI
 * and the language server run) and every consumer accepts every file — and rejects the same file cut
 * short, so the check has teeth. A consumer that is not installed skips its checks with a warning
 * (in CI, where `.ci/run` installs them, it fails instead).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../../language/src/features/export/formats.js';
import { exportFiles } from '../../../language/src/features/export/export-files.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { consume, installed } from '../../support/consumers.js';
import { expectAccepts } from '../../support/consumer-checks.js';
import { REPO } from '../../support/util.js';

const EXAMPLE = path.join(REPO, 'examples', 'hgx-h200.vmtopo');
/** The example exported in a format whose files run only on ESXi hosts (the HGX example's host is KVM). */
const ESXI_EXAMPLE = path.join(REPO, 'examples', 'hgx-h200-esxi.vmtopo');

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-consumers-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

for (const format of EXPORT_FORMATS) {
    const example = format.platforms && !format.platforms.includes('kvm') ? ESXI_EXAMPLE : EXAMPLE;
    describe(`${format.id}: ${format.label}`, () => {
        let written: string[] = [];
        beforeAll(async () => {
            const result = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [example], format: format.id, outDir: path.join(tmp, format.id) });
            expect(result.problems).toEqual([]);
            written = result.written;
        }, 120_000);

        it(`writes one file per ${format.scope} of the example, named <${format.scope}>${format.suffix}`, () => {
            const text = fs.readFileSync(example, 'utf8');
            const names = format.scope === 'vm'
                ? [...text.matchAll(/^vm\s+(\S+)\s+on\s/gm)].map(m => m[1])
                : [...text.matchAll(/^host\s+(\S+)/gm)].map(m => m[1]);
            expect(written.map(f => path.basename(f)).sort()).toEqual(names.map(n => `${n}${format.suffix}`).sort());
        });

        for (const consumer of format.consumers) {
            const available = installed(consumer.tool);
            if (!available && !process.env.CI) console.warn(`skipped: ${consumer.tool} (Debian ${consumer.debianPackage}) is not installed`);
            it.skipIf(!available && !process.env.CI)(`${consumer.tool} accepts every file (${consumer.proves}) and rejects one cut short`, () => {
                expect(available, `${consumer.tool} (Debian ${consumer.debianPackage}) is missing`).toBe(true);
                for (const file of written) {
                    const name = path.basename(file).slice(0, -format.suffix.length);
                    expectAccepts(consumer, file, name);
                }
                const text = fs.readFileSync(written[0], 'utf8');
                const cut = path.join(tmp, `cut-${path.basename(written[0])}`);
                fs.writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
                expect(consume(consumer, cut).status, `${consumer.tool} accepted a file cut in half`).not.toBe(0);
            }, 120_000);
        }
    });
}
