#!/usr/bin/env node
/**
 * `npm run docs`: writes the documentation generated from the rule records (ALL_RULES in
 * language/src/rules/) — docs/rules.md, the README's rule table between the RULES-TABLE
 * markers, and the JSON schema of the `vmtopo.rules` setting in package.json. The texts are made
 * by language/src/rules/engine/docs.ts, bundled here with esbuild (as bench/run.mjs does).
 *
 *   node scripts/rule-docs.mjs           write the files that changed, and name them
 *   node scripts/rule-docs.mjs --check   write nothing; exit 1 naming the files that are out of date
 *
 * test/rules/engine/docs.test.ts fails when a generated file is out of date.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-rule-docs-'));
let docs;
try {
    const outfile = path.join(tmp, 'rule-docs.cjs');
    await esbuild.build({
        entryPoints: [path.join(REPO, 'language/src/rules/engine/docs.ts')],
        outfile, bundle: true, format: 'cjs', platform: 'node', target: 'node22', logLevel: 'warning'
    });
    docs = createRequire(outfile)(outfile);
} finally {
    fs.rmSync(tmp, { recursive: true, force: true });
}

const read = relative => fs.readFileSync(path.join(REPO, relative), 'utf8');
/** @type {[string, () => string][]} */
const generated = [
    ['docs/rules.md', () => docs.rulesMarkdown()],
    ['README.md', () => docs.withReadmeRulesTable(read('README.md'))],
    ['package.json', () => docs.withRulesSetting(read('package.json'))]
];

const stale = [];
for (const [relative, make] of generated) {
    const file = path.join(REPO, relative);
    const text = make();
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (before === text) continue;
    stale.push(relative);
    if (!check) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        console.log(`wrote ${relative}`);
    }
}
if (check && stale.length > 0) {
    console.error(`out of date: ${stale.join(', ')}; run \`npm run docs\``);
    process.exitCode = 1;
} else if (stale.length === 0) {
    console.log('docs/rules.md, the README rule table and the vmtopo.rules setting schema are up to date');
}
