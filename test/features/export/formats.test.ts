/**
 * The export-format registry (language/src/features/export/formats.ts) is the one list of formats:
 * its records are well-formed, each writer loads, the longest name the language accepts (SYN008)
 * follows from the longest file-name suffix — handed to the rule through the node checks' context,
 * so another registry gives another limit — and the README's table of formats and its command-line
 * synopsis name exactly the registry's formats.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, URI, createDefaultCoreModule, createDefaultSharedCoreModule, inject } from 'langium';
import { EXPORT_FORMATS, exportFileName, exportNameLimit, formatById } from '../../../language/src/features/export/formats.js';
import { GENERATE_COMMAND, README_FORMATS_END, README_FORMATS_START, readmeExportTable } from '../../../language/src/features/export/contributions.js';
import { NAME_MAX_BYTES, nameLimitFor } from '../../../language/src/syntax/limits.js';
import { VmtopoGeneratedModule, VmtopoGeneratedSharedModule } from '../../../language/src/generated/module.js';
import { VmtopoCoreModule, VmtopoSharedCoreModule } from '../../../language/src/vmtopo-module.js';
import { registerValidationChecks } from '../../../language/src/rules/engine/validator.js';
import { HOST } from '../../support/fixtures.js';
import { build, readRepoFile, withCode } from '../../support/util.js';

describe('the records', () => {
    it('have unique ids (lowercase words joined by -), suffixes and command ids, and a writer that loads', async () => {
        const unique = (values: string[]) => new Set(values).size === values.length;
        expect(unique(EXPORT_FORMATS.map(f => f.id))).toBe(true);
        expect(unique(EXPORT_FORMATS.map(f => f.suffix))).toBe(true);
        expect(unique(EXPORT_FORMATS.map(f => f.command.id))).toBe(true);
        for (const f of EXPORT_FORMATS) {
            expect(f.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
            expect(f.suffix).toMatch(/^\.[a-z0-9.-]+$/);
            expect(f.command.id).toMatch(/^vmtopo\.export[A-Z]/);
            expect(f.consumers.length, f.id).toBeGreaterThan(0);
            expect(typeof await f.writer(), f.id).toBe('function');
            expect(formatById(f.id)).toBe(f);
        }
        expect(formatById('pdf')).toBeUndefined();
    });

    it('name each file <name><suffix>, and refuse an unknown format', () => {
        for (const f of EXPORT_FORMATS) expect(exportFileName('train-a', f.id)).toBe(`train-a${f.suffix}`);
        expect(() => exportFileName('train-a', 'pdf')).toThrow(/unknown export format 'pdf'/);
    });
});

describe('the longest name (SYN008)', () => {
    const longest = EXPORT_FORMATS.map(f => f.suffix).reduce((a, b) => (b.length > a.length ? b : a));

    it('is NAME_MAX less the longest suffix of the registry', () => {
        expect(exportNameLimit()).toEqual({ maxLength: NAME_MAX_BYTES - Buffer.byteLength(longest), longestSuffix: longest });
        // So every export file of a name of that length fits a file name, and one character more does not.
        for (const f of EXPORT_FORMATS) expect(Buffer.byteLength(exportFileName('x'.repeat(exportNameLimit().maxLength), f.id))).toBeLessThanOrEqual(NAME_MAX_BYTES);
        const longestFormat = EXPORT_FORMATS.find(f => f.suffix === longest)!;
        expect(Buffer.byteLength(exportFileName('x'.repeat(exportNameLimit().maxLength + 1), longestFormat.id))).toBe(NAME_MAX_BYTES + 1);
    });

    it('nameLimitFor takes the longest suffix in bytes, and refuses no suffix or one that leaves no room', () => {
        expect(nameLimitFor(['.a', '.bbb', '.cc'])).toEqual({ maxLength: 251, longestSuffix: '.bbb' });
        expect(() => nameLimitFor([])).toThrow();
        expect(() => nameLimitFor(['.'.repeat(255)])).toThrow(/no room/);
    });

    it('SYN008 reports a name one character over it, naming the limit and the suffix; a name at the limit is fine', async () => {
        const { maxLength } = exportNameLimit();
        const vm = (name: string) => `${HOST}vm ${name} on h { vcpus 2 pin 0,16 memory 8 GiB on numa 0 }\n`;
        const over = withCode((await build(vm(`v${'x'.repeat(maxLength)}`))).diagnostics(), 'SYN008');
        expect(over.map(d => d.message)).toEqual([
            `This name has ${maxLength + 1} characters; names are at most ${maxLength}, so that '<name>${longest}' fits a file name (255 bytes).`
        ]);
        expect(withCode((await build(vm(`v${'x'.repeat(maxLength - 1)}`))).diagnostics(), 'SYN008')).toEqual([]);
    });

    it('comes from the services\' node-check context: another registry, another limit', async () => {
        const suffix = `.${'y'.repeat(200)}`;
        const shared = inject(createDefaultSharedCoreModule(EmptyFileSystem), VmtopoGeneratedSharedModule, VmtopoSharedCoreModule);
        const vmtopo = inject(createDefaultCoreModule({ shared }), VmtopoGeneratedModule, VmtopoCoreModule,
            { validation: { NodeCheckContext: () => ({ names: nameLimitFor([suffix]) }) } });
        shared.ServiceRegistry.register(vmtopo);
        registerValidationChecks(vmtopo);
        await shared.workspace.ConfigurationProvider.initialized({});
        const doc = shared.workspace.LangiumDocumentFactory.fromString(`host ${'h'.repeat(60)} { }\n`, URI.file('/ws/limit.vmtopo'));
        shared.workspace.LangiumDocuments.addDocument(doc);
        await shared.workspace.DocumentBuilder.build([doc], { validation: true });
        expect(withCode(doc.diagnostics ?? [], 'SYN008').map(d => d.message)).toEqual([
            `This name has 60 characters; names are at most 54, so that '<name>${suffix}' fits a file name (255 bytes).`
        ]);
    });
});

describe('the README', () => {
    const readme = readRepoFile('README.md');

    it('holds the table of formats that `npm run docs` writes', () => {
        const start = readme.indexOf(README_FORMATS_START);
        const end = readme.indexOf(README_FORMATS_END);
        expect(start).toBeGreaterThanOrEqual(0);
        expect(readme.slice(start, end + README_FORMATS_END.length) === readmeExportTable(),
            `README.md (the table between the EXPORT-FORMATS markers) is out of date: run \`${GENERATE_COMMAND}\``).toBe(true);
        for (const f of EXPORT_FORMATS) expect(readmeExportTable()).toContain(`| \`${f.id}\` | \`<${f.scope}>${f.suffix}\` |`);
    });

    it('names every format in the command-line synopsis', () => {
        const synopsis = readme.slice(readme.indexOf('## Command line')).split('```')[1];
        expect(synopsis).toContain(`vmtopo export ${EXPORT_FORMATS.map(f => f.id).join('|')} FILE...`);
    });
});
