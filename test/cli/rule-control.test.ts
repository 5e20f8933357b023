/**
 * Rule control on the command line (the bundled CLI, as a process): `--rule RULE=LEVEL` on check
 * and export (repeatable; unknown rules and levels are usage errors: one line, exit 2), export
 * applying the same overrides as check, and suppression comments in the text output.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBundle, vmtopo } from '../support/cli.js';

const lines = (text: string) => text.split('\n').filter(l => l.length > 0);

/** LOC008 (error) on line 11, column 17; and a LOC001 suppression on line 6 that nothing uses (SUP002 on line 6). */
const CLASH = `host h {
    platform kvm
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
}
vm a on h {
    // vmtopo-ignore LOC001: pinned by the scheduler
    vcpus 4 pin 0-1,16-17
    memory 8 GiB on numa 0
}
vm b on h {
    vcpus 4 pin 1-2,17-18
    memory 8 GiB on numa 0
}
`;
const LOC008 = 'clash.vmtopo:11:17 error LOC008 CPUs 1,17 are pinned by a and b; dedicated pinning is exclusive.';
const SUP002 = 'clash.vmtopo:6:22 warning SUP002 Unused suppression: LOC001 reports nothing on line 7; remove LOC001 from this comment or move the comment above the finding.';

let dir: string;
beforeAll(() => {
    ensureCliBundle();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-rule-cli-'));
    fs.writeFileSync(path.join(dir, 'clash.vmtopo'), CLASH);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('vmtopo check --rule', () => {
    it('without --rule: the error and the unused suppression, exit 1', () => {
        const r = vmtopo(['check', 'clash.vmtopo'], dir);
        expect(r.stderr).toBe('');
        expect(lines(r.stdout)).toEqual([SUP002, LOC008, '1 error, 1 warning, 0 infos in 1 file']);
        expect(r.status).toBe(1);
    });

    it('turns an error into a warning (exit 0) or an info, and off removes a rule; repeatable, the last one wins', () => {
        const warning = vmtopo(['check', 'clash.vmtopo', '--rule', 'LOC008=warning'], dir);
        expect(lines(warning.stdout)).toEqual([SUP002, LOC008.replace(' error ', ' warning '), '0 errors, 2 warnings, 0 infos in 1 file']);
        expect(warning.status).toBe(0);

        const both = vmtopo(['check', '--rule', 'LOC008=error', '--rule', 'SUP002=off', '--rule', 'LOC008=info', 'clash.vmtopo'], dir);
        expect(lines(both.stdout)).toEqual([LOC008.replace(' error ', ' info '), '0 errors, 0 warnings, 1 info in 1 file']);
        expect(both.status).toBe(0);

        const json = JSON.parse(vmtopo(['check', '--format', 'json', '--rule', 'LOC008=off', 'clash.vmtopo'], dir).stdout) as Array<{ code: string; severity: string }>;
        expect(json.map(d => [d.code, d.severity])).toEqual([['SUP002', 'warning']]);
    });

    it('refuses an unknown rule, an unknown level or a malformed value: one line, exit 2, nothing on stdout', () => {
        for (const [value, reason] of [
            ['LOC999=off', 'unknown rule LOC999 (the rules are listed in docs/rules.md)'],
            ['LOC008=loud', "unknown level 'loud' for LOC008 (use off, info, warning, error)"],
            ['LOC008', 'expected RULE=LEVEL, e.g. LOC001=off']
        ]) {
            for (const command of [['check', 'clash.vmtopo'], ['export', 'libvirt', 'clash.vmtopo', '-o', 'never']]) {
                const r = vmtopo([...command, '--rule', value], dir);
                expect(r.status).toBe(2);
                expect(r.stdout).toBe('');
                expect(lines(r.stderr)).toEqual([`vmtopo: option '--rule <RULE=LEVEL>' argument '${value}' is invalid. ${reason}`]);
            }
        }
        expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
    });
});

describe('vmtopo export --rule', () => {
    it('refuses the error, and exports when --rule makes it a warning: the same overrides as check', () => {
        // LOC008 is reported on b's pin list: b is refused, a (no error of its own) is written.
        const refused = vmtopo(['export', 'libvirt', 'clash.vmtopo', '-o', 'refused'], dir);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain(LOC008);
        expect(refused.stderr).toContain('vmtopo: export refused: VM b: 1 error (first: clash.vmtopo:11:17 error LOC008 ');
        expect(fs.readdirSync(path.join(dir, 'refused'))).toEqual(['a.domain.xml']);

        const written = vmtopo(['export', 'libvirt', 'clash.vmtopo', '-o', 'written', '--rule', 'LOC008=warning'], dir);
        expect(written.stderr).toBe('');
        expect(written.status).toBe(0);
        expect(lines(written.stdout)).toEqual([path.join('written', 'a.domain.xml'), path.join('written', 'b.domain.xml')]);

        // A suppression comment with a reason also lets the export through.
        fs.writeFileSync(path.join(dir, 'suppressed.vmtopo'), CLASH.replace('vm b on h {\n', 'vm b on h {\n    // vmtopo-ignore LOC008: a and b time-share these CPUs on purpose\n'));
        const suppressed = vmtopo(['export', 'nccl', 'suppressed.vmtopo', '-o', 'nccl'], dir);
        expect(suppressed.stderr).toBe('');
        expect(suppressed.status).toBe(0);
        expect(vmtopo(['check', 'suppressed.vmtopo'], dir).stdout).not.toContain('LOC008');
    });
});
