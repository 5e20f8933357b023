/**
 * CAT — the hardware catalog: a GPU model that is not in it (CAT001) is an error on the model's
 * name that lists the known models.
 */
import { describe, it, expect } from 'vitest';
import { build } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

/** The one error of a document, with its start position. */
async function onlyError(text: string) {
    const errors = (await build(text)).diagnostics().filter(d => d.severity === Severity.error);
    expect(errors).toHaveLength(1);
    return errors[0];
}

describe('CAT001: GPU models come from the catalog', () => {
    it('an unknown GPU model lists the known ones', async () => {
        const text = HOST.replace('gpu gpu3 "H200 SXM5 141GB"', 'gpu gpu3 "H300 SXM"');
        const d = await onlyError(text);
        expect(d.code).toBe('CAT001');
        expect(d.message).toMatch(/^Unknown GPU model "H300 SXM"\. Known: .*H200 SXM5 141GB/);
        expect(d.message).toContain('H100 SXM5 80GB');
        expect(d.range.start).toEqual(at(text, '"H300 SXM"'));
    });
});
