/**
 * The README's model list (section "PCIe switches and devices") is generated from the catalog:
 * it is exactly what `npm run docs` (scripts/rule-docs.mjs, from language/src/catalog/docs.ts)
 * writes today, names every model of every kind once, and marks the models with derived facts.
 * A model added to the catalog shows up after `npm run docs`; until then this test fails.
 */
import { describe, expect, it } from 'vitest';
import { CPUS, GPUS, NICS, NVSWITCHES } from '../../language/src/catalog/index.js';
import { MODEL_GROUPS, README_MODELS_END, README_MODELS_START, readmeModelList, withReadmeModelList } from '../../language/src/catalog/docs.js';
import { readRepoFile } from '../support/util.js';

const STALE = 'README.md (the model list between the CATALOG-MODELS markers) is out of date with the catalog: run `npm run docs` and commit the result';

describe('the README model list', () => {
    it('is what `npm run docs` writes', () => {
        const readme = readRepoFile('README.md');
        const start = readme.indexOf(README_MODELS_START);
        const end = readme.indexOf(README_MODELS_END);
        expect(start, 'the CATALOG-MODELS markers').toBeGreaterThanOrEqual(0);
        expect(readme.slice(start, end + README_MODELS_END.length) === readmeModelList(), STALE).toBe(true);
        expect(withReadmeModelList(readme)).toBe(readme);
        // in the section on devices
        expect(readme.lastIndexOf('### PCIe switches and devices', start)).toBeGreaterThan(readme.lastIndexOf('### Host', start));
        expect(readme.indexOf('### Virtual machines')).toBeGreaterThan(end);
    });

    it('names every GPU, NIC, NVSwitch and CPU model of the catalog once, quoted as a file writes it', () => {
        const list = readmeModelList();
        const named = [...list.matchAll(/`"([^"`]+)"`/g)].map(m => m[1]);
        expect(named).toEqual([...GPUS, ...NICS, ...NVSWITCHES, ...CPUS].map(s => s.model));
        expect(MODEL_GROUPS.map(g => g.specs)).toEqual([GPUS, NICS, NVSWITCHES, CPUS]);
    });

    it('marks exactly the models with derived facts, and names those facts', () => {
        const list = readmeModelList();
        const marked = [...list.matchAll(/`"([^"`]+)"`†/g)].map(m => m[1]);
        const derived = GPUS.filter(g => g.derived && Object.keys(g.derived).length > 0);
        expect(marked).toEqual(derived.map(g => g.model));
        expect(marked.length).toBeGreaterThan(0);
        const note = list.slice(list.indexOf('† Derived'));
        for (const g of derived) expect(note, g.model).toContain(`${g.model}: `);
        expect(note).toContain('L40S: MMIO size');
    });

    it('replaces only the block between the markers, and refuses a README without them', () => {
        const readme = `intro\n${README_MODELS_START} old -->\nstale list\n${README_MODELS_END}\noutro\n`;
        expect(withReadmeModelList(readme)).toBe(`intro\n${readmeModelList()}\noutro\n`);
        expect(() => withReadmeModelList('no markers')).toThrow(/CATALOG-MODELS/);
    });
});
