/**
 * `vmtopo collect` and `vmtopo drift`, run as processes (the bundled CLI): the collector is printed
 * as shipped; drift prints nothing but its summary for an untouched host, each finding as a located
 * line (or JSON with the command, or SARIF 2.1.0 that validates) for a perturbed one, and exactly one
 * line on stderr, exit 2, for a bundle it refuses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportVm } from '../../language/src/features/export/index.js';
import { buildWorkspace, readRepoFile, REPO } from '../support/util.js';
import { bundleFiles, libvirtDomains, tarBundle, tempDir } from '../support/drift-bundles.js';
import { ensureCliBundle, sarifValidator, vmtopo } from '../support/cli.js';

let tmp: string;
let untouched: string;
let perturbed: string;
beforeAll(async () => {
    ensureCliBundle();
    tmp = tempDir();
    const text = readRepoFile('examples/hgx-h200.vmtopo');
    fs.writeFileSync(path.join(tmp, 'hgx-h200.vmtopo'), text);
    const ws = await buildWorkspace({ 'hgx-h200.vmtopo': text });
    const xmls = new Map(ws.resolved().topology.vms.map(v => [v.name, exportVm(v, 'libvirt')]));
    untouched = path.join(tmp, 'sprocket.tar');
    fs.writeFileSync(untouched, tarBundle(tmp, bundleFiles('sprocket', { domains: libvirtDomains(tmp, xmls) })));
    // `virsh emulatorpin tenant-c 67,195 --config`: tenant-c's emulator threads moved in its configuration
    const tenantC = xmls.get('tenant-c')!.replace('<emulatorpin cpuset="66,194"/>', '<emulatorpin cpuset="67,195"/>');
    expect(tenantC).not.toBe(xmls.get('tenant-c'));
    perturbed = path.join(tmp, 'sprocket-perturbed.tar');
    fs.writeFileSync(perturbed, tarBundle(tmp, bundleFiles('sprocket', { domains: libvirtDomains(tmp, new Map([...xmls, ['tenant-c', tenantC]])) })));
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('vmtopo collect', () => {
    it('prints the collector exactly as shipped', () => {
        const r = vmtopo(['collect'], tmp);
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(fs.readFileSync(path.join(REPO, 'language/src/features/drift/vmtopo-collect.sh'), 'utf8'));
    });

    it('-o writes it executable, and does not replace a file without --force', () => {
        const out = path.join(tmp, 'collect.sh');
        expect(vmtopo(['collect', '-o', out], tmp).status).toBe(0);
        expect(fs.statSync(out).mode & 0o777).toBe(0o755);
        const again = vmtopo(['collect', '-o', out], tmp);
        expect([again.status, again.stderr]).toEqual([2, `vmtopo: ${out} exists; use --force to replace it\n`]);
    });
});

describe('vmtopo drift', () => {
    it('an untouched host: the summary only, exit 0', () => {
        const r = vmtopo(['drift', untouched, 'hgx-h200.vmtopo'], tmp);
        expect([r.status, r.stdout, r.stderr]).toEqual([0, '0 errors, 0 warnings, 0 infos of drift in 1 file against 1 bundle\n', '']);
    });

    it('a domain changed with virsh: one located line naming the command, exit 1', () => {
        const r = vmtopo(['drift', perturbed, 'hgx-h200.vmtopo'], tmp);
        expect(r.status).toBe(1);
        const lines = r.stdout.trim().split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/^hgx-h200\.vmtopo:113:18 error DRIFT011 domain tenant-c: emulator pins is 67,195 in the domain's configuration, vmtopo's export has 66,194 \(shown by `virsh -r dumpxml --inactive [0-9a-f-]+`\)$/);
        expect(lines[1]).toBe('1 error, 0 warnings, 0 infos of drift in 1 file against 1 bundle');
    });

    it('--format json: the findings with their command', () => {
        const r = vmtopo(['drift', perturbed, 'hgx-h200.vmtopo', '--format', 'json'], tmp);
        const findings = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
        expect(findings.map(f => [f.code, f.line, f.column, f.endColumn])).toEqual([['DRIFT011', 113, 18, 24]]);
        expect(String(findings[0].command)).toMatch(/^virsh -r dumpxml --inactive /);
    });

    it('--format sarif: a SARIF 2.1.0 log with the drift codes as rules', () => {
        const r = vmtopo(['drift', perturbed, 'hgx-h200.vmtopo', '--format', 'sarif'], tmp);
        const log = JSON.parse(r.stdout);
        const validate = sarifValidator();
        expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
        const run = log.runs[0];
        expect(run.results.map((x: { ruleId: string }) => x.ruleId)).toEqual(['DRIFT011']);
        expect(run.tool.driver.rules[run.results[0].ruleIndex].id).toBe('DRIFT011');
    });

    it('a truncated bundle: one line on stderr, nothing on stdout, exit 2', () => {
        const cut = path.join(tmp, 'cut.tar');
        fs.writeFileSync(cut, fs.readFileSync(untouched).subarray(0, 3000));
        const r = vmtopo(['drift', cut, 'hgx-h200.vmtopo'], tmp);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^vmtopo: .*cut\.tar: truncated: [^\n]*\n$/);
    });

    it('a bundle file bigger than any bundle (a sparse 200 MiB file): refused before it is read, one line, exit 2', () => {
        const huge = path.join(tmp, 'huge.tar');
        fs.closeSync(fs.openSync(huge, 'w'));
        fs.truncateSync(huge, 200 * 1024 * 1024);
        const r = vmtopo(['drift', huge, 'hgx-h200.vmtopo'], tmp);
        expect([r.status, r.stdout]).toEqual([2, '']);
        expect(r.stderr).toBe(`vmtopo: ${huge}: 209715200 bytes: bigger than a bundle can be (134217728)\n`);
        fs.rmSync(huge);
    });

    it('a bundle of another host: one line, exit 2', () => {
        const other = path.join(tmp, 'other.tar');
        fs.writeFileSync(other, tarBundle(tmp, bundleFiles('gpu-node-7.example.com', {})));
        const r = vmtopo(['drift', other, 'hgx-h200.vmtopo'], tmp);
        expect([r.status, r.stdout]).toEqual([2, '']);
        expect(r.stderr).toBe(`vmtopo: ${other}: collected on host "gpu-node-7.example.com", which the files do not declare (hosts: sprocket)\n`);
    });
});
