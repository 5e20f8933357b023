/**
 * The documentation generated from the rule records must be up to date: docs/rules.md, the README's
 * rule table and the `vmtopo.rules` setting schema in package.json are exactly what
 * `npm run docs` (scripts/rule-docs.mjs, from language/src/rules/docs.ts) writes today.
 * A rule added to a family shows up in all three after `npm run docs`; until then this test fails.
 */
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../language/src/rules/index.js';
import { SOURCES } from '../../language/src/catalog/sources.js';
import { DOCS_COMMAND, readmeRulesTable, rulesMarkdown, rulesSettingSchema, README_TABLE_END, README_TABLE_START } from '../../language/src/rules/docs.js';
import { RULE_LEVELS } from '../../language/src/rules/engine/control.js';
import { readRepoFile } from '../support/util.js';

const stale = (file: string) => `${file} is out of date with the rule records: run \`${DOCS_COMMAND}\` and commit the result`;

describe('generated rule documentation', () => {
    it('docs/rules.md is what `npm run docs` writes', () => {
        const text = (() => { try { return readRepoFile('docs/rules.md'); } catch { return ''; } })();
        expect(text === rulesMarkdown(), stale('docs/rules.md')).toBe(true);
    });

    it('docs/rules.md documents every rule: id, severity, summary, why, fix, quick-fix and each source with its link', () => {
        const text = rulesMarkdown();
        const sections = text.split(/^## /m).slice(1);
        expect(sections.map(s => s.split('\n')[0])).toEqual(ALL_RULES.map(r => r.id));
        for (const [i, rule] of ALL_RULES.entries()) {
            const s = sections[i];
            expect(s).toContain(`- **Severity:** ${rule.severity}`);
            expect(s.toLowerCase()).toContain(rule.summary.trim().toLowerCase().replace(/\.$/, ''));
            expect(s).toContain(rule.why.trim().replace(/\.$/, '').slice(1));
            expect(s).toContain(rule.fix.trim().replace(/\.$/, '').slice(1));
            expect(s).toContain(`- **Quick-fix:** ${rule.quickFix ? 'yes' : 'no'}`);
            for (const key of rule.sources) {
                const url = SOURCES[key].url;
                expect(s, `${rule.id} ${key}`).toContain(`](${/^https?:/.test(url) ? url : `../${url}`}) (\`${key}\`)`);
            }
        }
        // The table on top links each rule's section.
        for (const rule of ALL_RULES) expect(text).toContain(`| [${rule.id}](#${rule.id.toLowerCase()}) | ${rule.severity} |`);
    });

    it('the README rule table is generated and links docs/rules.md', () => {
        const readme = readRepoFile('README.md');
        const start = readme.indexOf(README_TABLE_START);
        const end = readme.indexOf(README_TABLE_END);
        expect(start).toBeGreaterThanOrEqual(0);
        expect(readme.slice(start, end + README_TABLE_END.length) === readmeRulesTable(), stale('README.md (the table between the RULES-TABLE markers)')).toBe(true);
        for (const rule of ALL_RULES) expect(readme).toContain(`| [${rule.id}](docs/rules.md#${rule.id.toLowerCase()}) |`);
    });

    it('package.json declares the vmtopo.rules setting with one property per rule id and the four levels', () => {
        const manifest = JSON.parse(readRepoFile('package.json')) as {
            contributes: { configuration: { properties: Record<string, { type: string; properties: Record<string, { enum: string[] }>; additionalProperties: boolean }> } };
        };
        const setting = manifest.contributes.configuration.properties['vmtopo.rules'];
        expect(setting, stale('package.json (contributes.configuration vmtopo.rules)')).toBeDefined();
        expect(Object.keys(setting.properties).sort()).toEqual(ALL_RULES.map(r => r.id).sort());
        for (const id of Object.keys(setting.properties)) expect(setting.properties[id].enum).toEqual([...RULE_LEVELS]);
        expect(setting.type).toBe('object');
        expect(setting.additionalProperties).toBe(false);
        expect(JSON.stringify(setting) === JSON.stringify(rulesSettingSchema()), stale('package.json (contributes.configuration vmtopo.rules)')).toBe(true);
    });
});
