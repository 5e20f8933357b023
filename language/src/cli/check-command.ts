/**
 * `vmtopo check FILE... [--format text|json|sarif] [--rule RULE=LEVEL]...`: loaded when the command
 * runs (cli.ts). Builds the files as one workspace and prints their diagnostics (check.ts, sarif.ts).
 */
import { checkFiles, countBySeverity, jsonReport, textReport } from './check.js';
import { readInputFiles } from './input.js';
import { sarifReport } from './sarif.js';
import { cliServices } from './services.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIo } from './io.js';
import type { RuleOverrides } from '../rules/engine/control.js';

export type CheckFormat = 'text' | 'json' | 'sarif';

/**
 * Checks `files` and prints the report in `format`. Exit code: 0 no errors, 1 errors, 2 a check
 * threw (the diagnostics are incomplete). Throws `InputError` for an unusable file.
 */
export async function runCheck(files: readonly string[], format: CheckFormat, rules: RuleOverrides, version: string, io: CliIo): Promise<number> {
    const inputs = readInputFiles(files, io.cwd);
    const { shared, vmtopo } = cliServices(io, rules);
    const results = await checkFiles(shared, inputs);
    if (format === 'json') {
        io.stdout(`${JSON.stringify(jsonReport(results), null, 2)}\n`);
    } else if (format === 'sarif') {
        const log = sarifReport(results, {
            cwd: io.cwd, version, cliOverrides: rules,
            overrides: await vmtopo.validation.RuleControl.overrides(),
            executionSuccessful: vmtopo.log.InternalErrors.count === 0
        });
        io.stdout(`${JSON.stringify(log, null, 2)}\n`);
    } else {
        io.stdout(textReport(results).map(line => `${line}\n`).join(''));
    }
    if (vmtopo.log.InternalErrors.count > 0) {
        io.stderr('vmtopo: internal error: a check failed (see above); the diagnostics are incomplete\n');
        return EXIT_USAGE;
    }
    return countBySeverity(results).errors > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
