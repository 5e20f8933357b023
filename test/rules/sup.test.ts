/**
 * SUP — suppression comments that cannot do their job (README "Rule control"): an unused one
 * (SUP002), one without a reason (SUP001), one that names no rule or a misspelt id (SUP003); the SUP
 * rules take severity overrides like any other. How comments silence diagnostics is rule control's
 * (test/rules/engine/control.test.ts).
 */
import { describe, it, expect } from 'vitest';
import { ruleDocUrl } from '../../language/src/rules/engine/links.js';
import { ruleById } from '../../language/src/rules/index.js';
import { Severity, at } from '../support/fixtures.js';
import { CLASH, check, codes, withCommentAbovePin } from '../support/rule-control.js';

describe('SUP001–SUP003: suppression comments that suppress nothing', () => {
    it('an unused suppression is SUP002; one line too high it does not silence', async () => {
        const text = CLASH.replace('vm b on h {', 'vm b on h {\n    // vmtopo-ignore LOC008: misplaced\n    memory 8 GiB');
        // (a second memory clause is SYN006, but LOC008 stays where it was)
        const { diagnostics } = await check(text);
        expect(diagnostics.map(d => d.code)).toEqual(expect.arrayContaining(['LOC008', 'SUP002']));
        const sup = diagnostics.find(d => d.code === 'SUP002')!;
        expect(sup.range.start).toEqual(at(text, 'LOC008: misplaced'));
        expect(sup.codeDescription?.href).toBe(ruleDocUrl(ruleById(String(sup.code))!));
    });

    it('a suppression without a reason is SUP001 and silences nothing', async () => {
        for (const comment of ['// vmtopo-ignore LOC008', '// vmtopo-ignore LOC008:   ']) {
            const text = withCommentAbovePin(comment);
            const { diagnostics } = await check(text);
            expect(diagnostics.map(d => d.code).sort()).toEqual(['LOC008', 'SUP001']);
            const sup = diagnostics.find(d => d.code === 'SUP001')!;
            expect(sup.message).toBe('This suppression of LOC008 gives no reason, so it suppresses nothing: write `// vmtopo-ignore LOC008: reason`.');
            expect(sup.range.start).toEqual(at(text, '// vmtopo-ignore'));
            expect(sup.severity).toBe(Severity.warning);
        }
    });

    it('a suppression naming an unknown rule, or none, is SUP003', async () => {
        const unknown = withCommentAbovePin('// vmtopo-ignore LOC008, LOC999: rig');
        const a = (await check(unknown)).diagnostics;
        expect(a.map(d => d.code)).toEqual(['SUP003']);
        expect(a[0].message).toBe('LOC999 is not a rule id (the rules are listed in docs/rules.md); it suppresses nothing.');
        expect(a[0].range.start).toEqual(at(unknown, 'LOC999'));

        const none = withCommentAbovePin('// vmtopo-ignore: rig');
        const b = (await check(none)).diagnostics;
        expect(b.map(d => d.code).sort()).toEqual(['LOC008', 'SUP003']);
        expect(b.find(d => d.code === 'SUP003')!.message).toContain('names no rule');

        const prose = withCommentAbovePin('// vmtopo-ignore LOC008 because of the rig');
        const c = (await check(prose)).diagnostics;
        expect(c.map(d => d.code).sort()).toEqual(['LOC008', 'SUP001', 'SUP003', 'SUP003', 'SUP003', 'SUP003']);
        expect(c.find(d => d.code === 'SUP003')!.message).toBe("'because' is not a rule id: write `// vmtopo-ignore LOC008: reason` (rule ids, a colon, the reason).");
    });

    it('a suppression of a rule that is turned off is not unused; SUP rules take overrides too', async () => {
        const text = withCommentAbovePin('// vmtopo-ignore LOC008: rig');
        expect((await check(text, { LOC008: 'off' })).diagnostics).toEqual([]);
        const unused = CLASH.replace('vm a on h {', '// vmtopo-ignore LOC001: rig\nvm a on h {');
        expect(codes((await check(unused)).diagnostics)).toEqual([`LOC008:${Severity.error}`, `SUP002:${Severity.warning}`]);
        expect(codes((await check(unused, { SUP002: 'off' })).diagnostics)).toEqual([`LOC008:${Severity.error}`]);
        expect(codes((await check(unused, { SUP002: 'error', LOC008: 'info' })).diagnostics)).toEqual([`LOC008:${Severity.info}`, `SUP002:${Severity.error}`]);
    });
});
