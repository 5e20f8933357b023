/**
 * Rule control, in-process: severity overrides from the `vmtopo.rules` setting (handed to Langium's
 * ConfigurationProvider, as the language server and the CLI do), suppression comments
 * (`// vmtopo-ignore RULE: reason`). The SUP rules for suppressions that are unused, have no reason
 * or name no rule are tested in test/rules/sup.test.ts; the CLI (`--rule`) and the language server
 * (workspace/configuration) in test/cli/rule-control.test.ts and test/server/settings.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../language/src/rules/index.js';
import { NodeFileSystem } from 'langium/node';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { findSuppressions, overridesFromSettings, parseRuleOption } from '../../../language/src/rules/engine/control.js';
import { exportFiles } from '../../../language/src/features/export/index.js';
import { HOST, Severity, at } from '../../support/fixtures.js';
import { CLASH, check, codes, withCommentAbovePin } from '../../support/rule-control.js';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('severity overrides (vmtopo.rules)', () => {
    it('without overrides LOC008 is an error', async () => {
        const { diagnostics } = await check(CLASH);
        expect(codes(diagnostics)).toEqual([`LOC008:${Severity.error}`]);
    });

    it('turns an error into a warning or an info, keeping the code, range, message and link', async () => {
        const plain = (await check(CLASH)).diagnostics[0];
        for (const [level, severity] of [['warning', Severity.warning], ['info', Severity.info]] as const) {
            const { diagnostics } = await check(CLASH, { LOC008: level });
            expect(diagnostics).toEqual([{ ...plain, severity }]);
        }
    });

    it('off removes the rule\'s diagnostics; overrides of other rules change nothing', async () => {
        expect((await check(CLASH, { LOC008: 'off' })).diagnostics).toEqual([]);
        expect(codes((await check(CLASH, { LOC001: 'off', MMIO005: 'error' })).diagnostics)).toEqual([`LOC008:${Severity.error}`]);
    });

    it('raises a warning to an error', async () => {
        // gpu2 is on NUMA 1; pinning the VM to NUMA-0 CPUs is LOC001 (warning).
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0-1
    memory 8 GiB on numa 1
    gpu gpu2 passthrough
}
`;
        const before = (await check(text)).diagnostics.filter(d => d.code === 'LOC001');
        expect(before.map(d => d.severity)).toEqual([Severity.warning]);
        const after = (await check(text, { LOC001: 'error' })).diagnostics.filter(d => d.code === 'LOC001');
        expect(after.map(d => d.severity)).toEqual([Severity.error]);
    });

    it('reads settings entries strictly: unknown rules and levels are ignored with a line saying so', () => {
        expect(overridesFromSettings({ LOC001: 'off', LOC999: 'off', LOC003: 'loud' }, RULES)).toEqual({
            overrides: new Map([['LOC001', 'off']]),
            ignored: ['vmtopo.rules: unknown rule LOC999; ignored', 'vmtopo.rules: LOC003: unknown level "loud" (use off, info, warning, error); ignored']
        });
        expect(overridesFromSettings(undefined, RULES).overrides.size).toBe(0);
        expect(overridesFromSettings(['LOC001'], RULES).ignored).toHaveLength(1);
    });

    it('parses the CLI form RULE=LEVEL, or says in one line what is wrong', () => {
        expect(parseRuleOption('LOC001=off', RULES)).toEqual({ id: 'LOC001', level: 'off' });
        expect(parseRuleOption('loc001 = Warning', RULES)).toEqual({ id: 'LOC001', level: 'warning' });
        expect(parseRuleOption('LOC999=off', RULES)).toEqual({ error: 'unknown rule LOC999 (the rules are listed in docs/rules.md)' });
        expect(parseRuleOption('LOC001=loud', RULES)).toEqual({ error: "unknown level 'loud' for LOC001 (use off, info, warning, error)" });
        expect(parseRuleOption('LOC001', RULES)).toEqual({ error: 'expected RULE=LEVEL, e.g. LOC001=off' });
    });

    it('a settings change validates the documents again', async () => {
        const { services, document } = await check(CLASH);
        expect(codes(document.diagnostics ?? [])).toEqual([`LOC008:${Severity.error}`]);
        const validated = new Promise<void>(resolve => {
            const listener = services.shared.workspace.DocumentBuilder.onBuildPhase(6 /* Validated */, () => { listener.dispose(); resolve(); });
        });
        services.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { vmtopo: { rules: { LOC008: 'warning' } } } });
        await validated;
        expect(codes(document.diagnostics ?? [])).toEqual([`LOC008:${Severity.warning}`]);
    });

    it('an error turned into a warning no longer blocks an export', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-rules-'));
        try {
            const file = path.join(dir, 'clash.vmtopo');
            fs.writeFileSync(file, CLASH);
            const refused = await exportFiles(createVmtopoServices(NodeFileSystem), { files: [file], format: 'libvirt', outDir: path.join(dir, 'a') });
            expect(refused.ok).toBe(false);
            expect(refused.problems.join('\n')).toContain('LOC008');
            const services = createVmtopoServices(NodeFileSystem);
            services.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { vmtopo: { rules: { LOC008: 'warning' } } } });
            const written = await exportFiles(services, { files: [file], format: 'libvirt', outDir: path.join(dir, 'b') });
            expect(written.problems).toEqual([]);
            expect(written.written.map(f => path.basename(f)).sort()).toEqual(['a.domain.xml', 'b.domain.xml']);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('suppression comments (// vmtopo-ignore RULE: reason)', () => {
    it('silence the named rule on the next line, and nothing else', async () => {
        const text = withCommentAbovePin('// vmtopo-ignore LOC008: a shares these CPUs with b on purpose (test rig)');
        const { diagnostics, services, document } = await check(text);
        expect(diagnostics).toEqual([]);
        // The silenced diagnostic is kept aside with its reason (SARIF lists it as suppressed).
        const suppressed = services.vmtopo.validation.RuleControl.suppressedIn(document);
        expect(suppressed.map(s => [s.diagnostic.code, s.reason])).toEqual([['LOC008', 'a shares these CPUs with b on purpose (test rig)']]);
    });

    it('name several rules, in any case, comma- or blank-separated; stacked comments apply to the first line below them', async () => {
        const stacked = withCommentAbovePin('// vmtopo-ignore LOC001: not this one\n    // vmtopo-ignore loc008 LOC003: rig');
        const { diagnostics } = await check(stacked);
        // LOC008 is silenced; LOC001 (first comment) and LOC003 (second) are unused.
        expect(diagnostics.map(d => d.code).sort()).toEqual(['SUP002', 'SUP002']);
        expect(diagnostics.map(d => d.message).sort()).toEqual([
            `Unused suppression: LOC001 reports nothing on line ${at(stacked, 'vcpus 4 pin 1-2').line + 1}; remove LOC001 from this comment or move the comment above the finding.`,
            `Unused suppression: LOC003 reports nothing on line ${at(stacked, 'vcpus 4 pin 1-2').line + 1}; remove LOC003 from this comment or move the comment above the finding.`
        ]);
        // Each on its id in the comment.
        expect(diagnostics.map(d => d.range.start).sort((a, b) => a.line - b.line)).toEqual([at(stacked, 'LOC001: not'), at(stacked, 'LOC003: rig')]);
        expect(diagnostics.every(d => d.severity === Severity.warning)).toBe(true);
    });

    it('are read only from line comments, not from strings or block comments', () => {
        const text = [
            'host h { cpu "// vmtopo-ignore LOC001: in a string" }',
            '/* // vmtopo-ignore LOC002: in a block comment',
            '*/ // vmtopo-ignore LOC003: after a block comment',
            "gpu g 'x' // vmtopo-ignore LOC004, LOC005 : two",
            '//vmtopo-ignore LOC007:tight\r',
            '// vmtopo-ignored LOC008: another word',
            '// see vmtopo-ignore LOC009: not first'
        ].join('\n');
        expect(findSuppressions(text)).toEqual([
            { line: 2, start: 3, end: 49, target: 3, ids: [{ text: 'LOC003', start: 20, end: 26 }], reason: 'after a block comment' },
            { line: 3, start: 10, end: 47, target: 5, ids: [{ text: 'LOC004', start: 27, end: 33 }, { text: 'LOC005', start: 35, end: 41 }], reason: 'two' },
            // (line 3 applies to line 5: line 4 holds only a suppression comment)
            { line: 4, start: 0, end: 28, target: 5, ids: [{ text: 'LOC007', start: 16, end: 22 }], reason: 'tight' }
        ]);
        expect(findSuppressions('vm a on h { vcpus 2 }')).toEqual([]);
    });

    it('never throws on any text, and every comment it finds lies on its line and applies below it', () => {
        const piece = fc.constantFrom('// vmtopo-ignore ', 'LOC001', ', ', ': why', '\n', '\r\n', '\r', '"', "'", '/*', '*/', '//', ' ', 'x', 'ü', '\u2028');
        fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), parts => {
            const text = parts.join('');
            const lines = text.split(/\r\n|\r|\n/);
            for (const c of findSuppressions(text)) {
                expect(c.target).toBeGreaterThan(c.line);
                expect(lines[c.line].slice(c.start, c.end)).toMatch(/^\/\/\s*vmtopo-ignore/);
                expect(c.end).toBe(lines[c.line].length);
                for (const id of c.ids) expect(lines[c.line].slice(id.start, id.end)).toBe(id.text);
            }
        }), { numRuns: 500, seed: 6 });
    });
});
