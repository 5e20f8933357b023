/**
 * The host name an import takes from its file name: an ID that is never a keyword of the language
 * (every keyword of the grammar, the planner's `count` and `same-switch` and KubeVirt's `kubevirt`
 * included), so the imported text always parses.
 */
import { AstUtils, GrammarAST } from 'langium';
import { describe, expect, it } from 'vitest';
import { VmtopoGrammar } from '../../../language/src/generated/grammar.js';
import { hostId, hostNameFromFile } from '../../../language/src/features/import/host-text.js';
import { build } from '../../support/util.js';

const keywords = [...new Set(AstUtils.streamAllContents(VmtopoGrammar()).filter(GrammarAST.isKeyword).map(k => k.value))]
    .filter(k => /^[a-z]/.test(k));

describe('host names from file names', () => {
    it('keeps a plain name and turns a keyword into <keyword>-host', () => {
        expect(hostNameFromFile('/captures/sprocket.xml')).toBe('sprocket');
        expect(hostNameFromFile('count.xml')).toBe('count-host');
        expect(hostNameFromFile('kubevirt.txt')).toBe('kubevirt-host');
        expect(hostNameFromFile('vm')).toBe('vm-host');
    });

    it('every keyword of the grammar, taken as a host name, gives a host that parses', async () => {
        expect(keywords.length).toBeGreaterThan(50);
        const text = keywords.map(k => `host ${hostId(k)} {\n    platform kvm\n}\n`).join('');
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.code === 'parsing-error' || d.code === 'lexing-error').map(d => d.message)).toEqual([]);
        // the check has teeth: the keyword itself is refused as a name
        const raw = await build('host count {\n    platform kvm\n}\n');
        expect(raw.diagnostics().some(d => d.code === 'parsing-error')).toBe(true);
    });
});
