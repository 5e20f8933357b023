/**
 * `vmtopo drift BUNDLE... FILE... [--format text|json|sarif]`: the `.vmtopo` files against the
 * bundles `vmtopo collect` made on their hosts (features/drift). Arguments ending in `.vmtopo` are
 * the files, loaded together as one workspace; every other argument is a bundle (`.tar`, `.tar.gz`).
 *
 * Output: as `vmtopo check` (one `file:line:col severity DRIFTnnn message` line per finding, the
 * message ending with the command that showed it; `--format json`: the check's JSON objects with a
 * `command` field; `--format sarif`: SARIF 2.1.0 with one rule per drift code). Exit codes: 0 no
 * drift (infos allowed), 1 drift found (a warning or an error), 2 usage error, an unusable file,
 * or a bundle refused (one line: `vmtopo: BUNDLE: reason`, nothing else printed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI, type LangiumDocument } from 'langium';
import type * as sarif from 'sarif';
import type { Model } from '../generated/ast.js';
import { escapePath, escapeText } from '../kernel/text.js';
import { BundleError, DRIFT_KINDS, driftAll, findingDiagnostic, readBundle, type Bundle } from '../features/drift/index.js';
import { DEFAULT_TAR_LIMITS } from '../features/drift/tar.js';
import { countBySeverity, jsonReport, textReport, type FileDiagnostics } from './check.js';
import { readInputFiles, VMTOPO_EXTENSION } from './input.js';
import { sarifReport } from './sarif.js';
import { cliServices } from './services.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIo } from './io.js';

export type DriftFormat = 'text' | 'json' | 'sarif';

/**
 * Reads a bundle file. @throws BundleError (not a file, too big, unreadable, or refused by the reader):
 * the promise is rejected with it.
 */
export async function readBundleFile(given: string, cwd: string): Promise<Bundle> {
    const absolute = path.resolve(cwd, given);
    const name = escapePath(given);
    let size: number;
    try {
        const stat = fs.statSync(absolute);
        if (!stat.isFile()) throw new BundleError(name, stat.isDirectory() ? 'is a directory' : 'not a regular file');
        size = stat.size;
    } catch (err) {
        if (err instanceof BundleError) throw err;
        throw new BundleError(name, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : escapeText((err as Error).message));
    }
    if (size > DEFAULT_TAR_LIMITS.maxTotalBytes) throw new BundleError(name, `${size} bytes: bigger than a bundle can be (${DEFAULT_TAR_LIMITS.maxTotalBytes})`);
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(absolute);
    } catch (err) {
        throw new BundleError(name, escapeText((err as NodeJS.ErrnoException).code ?? (err as Error).message));
    }
    return readBundle(bytes, name);
}

/** Runs `vmtopo drift`; returns the exit code. Throws `InputError` for an unusable `.vmtopo` file. */
export async function runDrift(args: readonly string[], format: DriftFormat, version: string, io: CliIo): Promise<number> {
    const fileArgs = args.filter(a => a.endsWith(VMTOPO_EXTENSION));
    const bundleArgs = args.filter(a => !a.endsWith(VMTOPO_EXTENSION));
    if (bundleArgs.length === 0 || fileArgs.length === 0) {
        io.stderr(`vmtopo: drift needs at least one bundle (from \`vmtopo collect\`) and one ${VMTOPO_EXTENSION} file\n`);
        return EXIT_USAGE;
    }
    const inputs = readInputFiles(fileArgs, io.cwd);
    let bundles: Bundle[];
    try {
        bundles = [];
        for (const b of bundleArgs) bundles.push(await readBundleFile(b, io.cwd));
    } catch (err) {
        if (err instanceof BundleError) { io.stderr(`vmtopo: ${escapeText(err.message)}\n`); return EXIT_USAGE; }
        throw err;
    }
    const { shared, vmtopo } = cliServices(io);
    const documents: LangiumDocument<Model>[] = inputs.map(file => {
        const document = shared.workspace.LangiumDocumentFactory.fromString<Model>(file.text, URI.file(file.absolute));
        shared.workspace.LangiumDocuments.addDocument(document);
        return document;
    });
    await shared.workspace.DocumentBuilder.build(documents, { validation: false });
    let findings;
    try {
        findings = driftAll(documents.map(d => d.parseResult.value), vmtopo.model.TopologyProvider.get(), bundles);
    } catch (err) {
        if (err instanceof BundleError) { io.stderr(`vmtopo: ${escapeText(err.message)}\n`); return EXIT_USAGE; }
        throw err;
    }
    const results: FileDiagnostics[] = inputs.map((file, i) => ({
        file,
        diagnostics: findings.filter(f => f.uri === documents[i].uri.toString()).map(findingDiagnostic)
            .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character),
        suppressed: []
    }));
    if (format === 'json') {
        const commands = results.flatMap(r => r.diagnostics.map(d => (d.data as { command: string }).command));
        io.stdout(`${JSON.stringify(jsonReport(results).map((d, i) => ({ ...d, command: commands[i] })), null, 2)}\n`);
    } else if (format === 'sarif') {
        io.stdout(`${JSON.stringify(driftSarif(results, io.cwd, version), null, 2)}\n`);
    } else {
        io.stdout(textReport(results).map(line => `${line}\n`).join('').replace(/ in (\d+ files?)\n$/, ` of drift in $1 against ${bundles.length === 1 ? '1 bundle' : `${bundles.length} bundles`}\n`));
    }
    const { errors, warnings } = countBySeverity(results);
    return errors + warnings > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

/** The check's SARIF log with the drift codes as the rules (and each result's command as a property). */
function driftSarif(results: readonly FileDiagnostics[], cwd: string, version: string): sarif.Log {
    const log = sarifReport(results, { cwd, version, cliOverrides: new Map(), overrides: new Map(), executionSuccessful: true });
    const run = log.runs[0];
    run.tool.driver.rules = DRIFT_KINDS.map(k => ({
        id: k.id, shortDescription: { text: k.summary },
        defaultConfiguration: { level: k.severity === 'info' ? 'note' : k.severity },
        properties: { tags: ['drift', k.area] }
    }));
    const index = new Map(DRIFT_KINDS.map((k, i) => [k.id, i]));
    const commands = results.flatMap(r => r.diagnostics.map(d => (d.data as { command: string }).command));
    run.results = (run.results ?? []).map((r, i) => ({ ...r, ruleIndex: index.get(r.ruleId ?? ''), properties: { command: commands[i] } }));
    return log;
}
