/**
 * `vmtopo check --format sarif`, run as a process (the bundled CLI): the log validates against the
 * SARIF 2.1.0 JSON schema, names every rule record as a reporting descriptor, places each result
 * where `--format json` places the diagnostic, names files relative to the working folder, lists
 * suppressed findings as suppressed and records `--rule` overrides.
 *
 * The schema comes from an npm package, never from a copy in this repository: no package on the
 * npm registry ships the OASIS file `sarif-schema-2.1.0.json` itself; `@microsoft/jest-sarif`
 * (Microsoft's SARIF SDK for JavaScript) ships `sarif-2.1.0-rtm.5.json`, the schema's final release
 * candidate, which `@types/sarif` is generated from too. Its constraints are those of the final
 * 2.1.0 schema except that GUIDs are checked by a pattern instead of `format: uuid` and that the
 * `language` pattern has a stray `]` (harmless here: vmtopo writes no `language`). It is a
 * draft-04 schema: validated with Ajv's draft-04 build (`ajv-draft-04`) and `ajv-formats`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as sarif from 'sarif';
import { ALL_RULES } from '../../language/src/rules/index.js';
import { SOURCES } from '../../language/src/catalog/sources.js';
import { REPO } from '../support/util.js';
import { ensureCliBundle, SARIF_SCHEMA_FILE, sarifValidator, vmtopo } from '../support/cli.js';

const validate = sarifValidator();

function expectValid(log: unknown): void {
    const ok = validate(log);
    expect(validate.errors ?? [], 'SARIF schema errors').toEqual([]);
    expect(ok).toBe(true);
}

let tmp: string;
beforeAll(() => {
    ensureCliBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-sarif-'));
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the SARIF schema of the test', () => {
    it('is the SARIF 2.1.0 schema and rejects a log that breaks it', () => {
        const schema = JSON.parse(fs.readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as { title: string };
        expect(schema.title).toMatch(/^Static Analysis Results Format \(SARIF\) Version 2\.1\.0/);
        expect(validate({ version: '2.1.0', runs: [] })).toBe(true);
        expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
        expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
        expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] })).toBe(false);
    });
});

describe('vmtopo check --format sarif', () => {
    it('writes a valid SARIF 2.1.0 log of the misconfigured example; results agree with --format json', () => {
        const r = vmtopo(['check', '--format', 'sarif', 'examples/misconfigured.vmtopo'], REPO);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(1); // the example has errors: the same exit code as the text output
        const log = JSON.parse(r.stdout) as sarif.Log;
        expectValid(log);
        expect(log.version).toBe('2.1.0');
        expect(log.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
        const [run] = log.runs;
        expect(run.tool.driver.name).toBe('vmtopo');
        expect(run.columnKind).toBe('utf16CodeUnits');
        expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: pathToFileURL(REPO).href + '/' } });
        expect(run.invocations).toEqual([{ executionSuccessful: true, workingDirectory: { uri: pathToFileURL(REPO).href + '/' } }]);

        const json = JSON.parse(vmtopo(['check', '--format', 'json', 'examples/misconfigured.vmtopo'], REPO).stdout) as Array<{
            line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string;
        }>;
        expect(json.length).toBeGreaterThan(5);
        const level = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as Record<string, string>;
        expect(run.results!.map(res => ({
            code: res.ruleId,
            rule: run.tool.driver.rules![res.ruleIndex!].id,
            level: res.level,
            message: res.message.text,
            region: res.locations![0].physicalLocation!.region,
            file: res.locations![0].physicalLocation!.artifactLocation
        }))).toEqual(json.map(d => ({
            code: d.code, rule: d.code, level: level[d.severity], message: d.message,
            region: { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
            file: { uri: 'examples/misconfigured.vmtopo', uriBaseId: '%SRCROOT%' }
        })));
    });

    it('describes every rule record: summary, why, fix, quick-fix, source link and default level', () => {
        const r = vmtopo(['check', '--format', 'sarif', 'examples/hgx-h200.vmtopo'], REPO);
        expect(r.status).toBe(0);
        const log = JSON.parse(r.stdout) as sarif.Log;
        expectValid(log);
        expect(log.runs[0].results).toEqual([]);
        const rules = log.runs[0].tool.driver.rules!;
        expect(rules.map(d => d.id)).toEqual(ALL_RULES.map(rule => rule.id));
        for (const [i, rule] of ALL_RULES.entries()) {
            const d = rules[i];
            expect(d.shortDescription?.text).toBe(rule.summary);
            expect(d.fullDescription?.text).toBe(rule.why);
            expect(d.help?.text).toContain(rule.fix);
            expect(d.help?.text.includes('quick-fix does this')).toBe(rule.quickFix);
            expect(d.defaultConfiguration?.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[rule.severity]);
            const web = rule.sources.map(key => SOURCES[key].url).find(url => /^https?:/.test(url));
            expect(d.helpUri).toBe(web);
            for (const key of rule.sources) expect(d.help?.markdown).toContain(SOURCES[key].title);
        }
    });

    it('lists suppressed findings as suppressed results, records --rule overrides, names files outside the folder by file: URI', () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'sup-'));
        const host = `host h {
    platform kvm
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
}
`;
        const vms = `vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 8 GiB on numa 0
}
vm b on h {
    // vmtopo-ignore LOC008: a and b share CPUs on purpose (test rig)
    vcpus 4 pin 1-2,17-18
    memory 8 GiB on numa 0
}
vm c on h {
    vcpus 2 pin 1,17
    memory 8 GiB on numa 0
}
`;
        fs.mkdirSync(path.join(dir, 'work'));
        fs.writeFileSync(path.join(dir, 'host.vmtopo'), host);
        fs.writeFileSync(path.join(dir, 'work', 'vms.vmtopo'), vms);
        const r = vmtopo(['check', '--format', 'sarif', '--rule', 'LOC008=warning', '--rule', 'SUP002=off', 'vms.vmtopo', '../host.vmtopo'], path.join(dir, 'work'));
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0); // LOC008 is a warning now
        const log = JSON.parse(r.stdout) as sarif.Log;
        expectValid(log);
        const [run] = log.runs;
        const results = run.results!;
        expect(results.map(res => [res.ruleId, res.level, res.locations![0].physicalLocation!.region!.startLine, res.suppressions])).toEqual([
            ['LOC008', 'warning', 11, undefined],
            ['LOC008', 'warning', 7, [{ kind: 'inSource', justification: 'a and b share CPUs on purpose (test rig)' }]]
        ]);
        expect(results[0].locations![0].physicalLocation!.artifactLocation).toEqual({ uri: 'vms.vmtopo', uriBaseId: '%SRCROOT%' });
        expect(run.invocations![0].ruleConfigurationOverrides).toEqual([
            { descriptor: { id: 'LOC008', index: ALL_RULES.findIndex(rule => rule.id === 'LOC008') }, configuration: { enabled: true, level: 'warning' } },
            { descriptor: { id: 'SUP002', index: ALL_RULES.findIndex(rule => rule.id === 'SUP002') }, configuration: { enabled: false } }
        ]);

        // A file outside the working folder: its file: URI, no base id.
        fs.writeFileSync(path.join(dir, 'bad.vmtopo'), host.replace('cores 0-7', 'cores 7-0'));
        const outside = JSON.parse(vmtopo(['check', '--format', 'sarif', '../bad.vmtopo'], path.join(dir, 'work')).stdout) as sarif.Log;
        expectValid(outside);
        expect(outside.runs[0].results![0].locations![0].physicalLocation!.artifactLocation).toEqual({ uri: pathToFileURL(path.join(dir, 'bad.vmtopo')).href });
    });
});
