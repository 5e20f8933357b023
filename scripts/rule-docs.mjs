#!/usr/bin/env node
/**
 * `npm run docs`: writes what is generated from the project's registries.
 *
 * - From the rule records (ALL_RULES in language/src/rules/, texts by language/src/rules/docs.ts):
 *   docs/rules.md, the README's rule table between the RULES-TABLE markers, and the JSON schema of
 *   the `vmtopo.rules` setting in package.json.
 * - From the export-format registry (language/src/features/export/formats.ts, texts by
 *   language/src/features/export/contributions.ts): the export commands and their menu entries in
 *   package.json `contributes`, the client's command descriptors (client/commands/export-formats.ts)
 *   and the README's table of formats between the EXPORT-FORMATS markers.
 * - From the hardware catalog (texts by language/src/catalog/docs.ts): the README's model list
 *   between the CATALOG-MODELS markers.
 *
 * The modules are bundled here with esbuild (as bench/run.mjs does).
 *
 *   node scripts/rule-docs.mjs           write the files that changed, and name them
 *   node scripts/rule-docs.mjs --check   write nothing; exit 1 naming the files that are out of date
 *
 * test/rules/docs.test.ts, test/catalog/docs.test.ts, test/client/manifest.test.ts and
 * test/features/export/formats.test.ts fail when a generated file is out of date.
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
let exports;
let catalogDocs;
try {
    await esbuild.build({
        entryPoints: {
            'rule-docs': path.join(REPO, 'language/src/rules/docs.ts'),
            'export-contributions': path.join(REPO, 'language/src/features/export/contributions.ts'),
            'catalog-docs': path.join(REPO, 'language/src/catalog/docs.ts')
        },
        outdir: tmp, outExtension: { '.js': '.cjs' }, bundle: true, format: 'cjs', platform: 'node', target: 'node22', logLevel: 'warning'
    });
    const load = name => createRequire(path.join(tmp, name))(path.join(tmp, name));
    docs = load('rule-docs.cjs');
    exports = load('export-contributions.cjs');
    catalogDocs = load('catalog-docs.cjs');
} finally {
    fs.rmSync(tmp, { recursive: true, force: true });
}

const read = relative => fs.readFileSync(path.join(REPO, relative), 'utf8');
/** @type {[string, () => string][]} */
const generated = [
    ['docs/rules.md', () => docs.rulesMarkdown()],
    ['README.md', () => catalogDocs.withReadmeModelList(exports.withReadmeExportTable(docs.withReadmeRulesTable(read('README.md'))))],
    ['package.json', () => exports.withExportContributions(docs.withRulesSetting(read('package.json')))],
    [exports.CLIENT_DESCRIPTORS_FILE, () => exports.clientDescriptorsSource()]
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
    console.log(`${generated.map(([file]) => file).join(', ')} are up to date`);
}
