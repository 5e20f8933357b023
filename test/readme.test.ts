/**
 * The README's rule list is documentation users rely on: it must name exactly the rules the
 * validator implements, and every rule must cite a source the catalog can resolve.
 */
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../language/src/validation/rules/index.js';
import { sourceUrl } from '../language/src/catalog/sources.js';
import { readRepoFile } from './util.js';

const implemented = ALL_RULES;

describe('README rule list', () => {
    const readme = readRepoFile('README.md');
    const table = readme.slice(readme.indexOf('<!-- RULES-TABLE'), readme.indexOf('<!-- /RULES-TABLE'));
    const listed = [...table.matchAll(/^\| ([A-Z]+\d{3}) \|/gm)].map(m => m[1]);

    it('lists every implemented rule id once, and nothing else', () => {
        expect([...listed].sort()).toEqual(implemented.map(r => r.id).sort());
        expect(new Set(listed).size).toBe(listed.length);
    });

    it('every rule cites a source with a link', () => {
        for (const rule of implemented) {
            for (const source of rule.sources) expect(sourceUrl(source), rule.id).toMatch(/^(https?:\/\/|[\w./-]+)/);
        }
    });
});
