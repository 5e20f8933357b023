/**
 * The `vmtopo` command line (commander):
 *
 *   vmtopo check FILE... [--format text|json|sarif] [--rule RULE=LEVEL]...
 *   vmtopo export libvirt|nccl FILE... [--vm NAME] [-o DIR] [--rule RULE=LEVEL]...
 *   vmtopo graph FILE... [--host NAME] [--fleet] [-o out.svg]
 *   vmtopo import FILE... [--format hwloc|nccl|nvidia-smi] [--name HOST] [-o OUT.vmtopo] [--force]
 *
 * `--rule LOC001=off` (levels off, info, warning, error; repeatable) overrides a rule's severity
 * for the run, exactly as the editor's `vmtopo.rules` setting does: it is handed to the same
 * configuration provider, so `export` refuses exactly the errors `check` reports with the same
 * options. An unknown rule or level is a usage error.
 *
 * Exit codes: 0 success (warnings and infos allowed); 1 the files have errors (check) or the export
 * was refused; 2 usage error, unusable input file (missing, directory, unreadable, not UTF-8, not
 * `.vmtopo`), an output file that cannot be written, or an internal error. Errors of kind 2 are one
 * line on stderr, `vmtopo: …`; set `VMTOPO_DEBUG=1` to also get the stack of an internal error.
 *
 * Every path, name or message the CLI prints is escaped (`kernel/text.ts`): a newline in a file
 * name is printed as the two characters `\n`, an ESC as `\x1b`, so each diagnostic and each problem
 * is one line and no control sequence reaches the terminal. `--format json` is JSON (escaped by
 * JSON itself).
 *
 * `runCli` never calls `process.exit`: it returns the exit code (the entry point sets
 * `process.exitCode`), so it can also run in-process.
 */
import * as path from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { NodeFileSystem } from 'langium/node';
import { createVmtopoServices } from '../vmtopo-module.js';
import { escapePath, escapeText } from '../kernel/text.js';
import { exportFiles, type ExportFormat } from '../features/export/index.js';
import { refusalLine } from '../kernel/diagnostics.js';
import { checkFiles, jsonReport, textReport, countBySeverity } from './check.js';
import { InputError, readInputFiles } from './input.js';
import { sarifReport } from './sarif.js';
import { registerGraphCommand } from './graph.js';
import { registerImportCommand } from './import.js';
import { RULES } from '../rules/index.js';
import { parseRuleOption, RULE_LEVELS, RULES_SETTING, SETTINGS_SECTION, type RuleLevel, type RuleOverrides } from '../rules/engine/control.js';
import packageJson from '../../../package.json' with { type: 'json' };

/** Where the CLI writes, and what it reads from its environment. */
export interface CliIo {
    /** Writes text to stdout (no newline added). */
    stdout(text: string): void;
    /** Writes text to stderr (no newline added). */
    stderr(text: string): void;
    /** Folder that relative paths are resolved against. */
    cwd: string;
    /** Environment (`VMTOPO_DEBUG`). */
    env: Record<string, string | undefined>;
}

export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;

const FORMATS: readonly ExportFormat[] = ['libvirt', 'nccl'];

/** The real process's stdout, stderr, working folder and environment. */
export function processIo(): CliIo {
    return {
        stdout: text => { process.stdout.write(text); },
        stderr: text => { process.stderr.write(text); },
        cwd: process.cwd(),
        env: process.env
    };
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, then the arguments) and returns the exit
 * code. Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
    let exitCode = EXIT_OK;
    const program = createProgram(io, code => { exitCode = code; });
    try {
        await program.parseAsync([...argv]);
        return exitCode;
    } catch (err) {
        if (err instanceof CommanderError) {
            // --help and --version "fail" with exit code 0; every real commander error is a usage error.
            return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
        }
        if (err instanceof InputError) {
            io.stderr(`vmtopo: ${err.message}\n`);
            return EXIT_USAGE;
        }
        const message = err instanceof Error ? err.message : String(err);
        const errno = err as NodeJS.ErrnoException;
        if (typeof errno?.code === 'string' && typeof errno.syscall === 'string') {
            // A file-system failure (the exporter reports its own as writeFailed): not a bug.
            io.stderr(`vmtopo: ${escapeText(message)}\n`);
            if (io.env.VMTOPO_DEBUG === '1' && errno.stack) io.stderr(`${errno.stack}\n`);
            return EXIT_USAGE;
        }
        io.stderr(`vmtopo: internal error: ${escapeText(firstLine(message))}${io.env.VMTOPO_DEBUG === '1' ? '' : ' (set VMTOPO_DEBUG=1 for details)'}\n`);
        if (io.env.VMTOPO_DEBUG === '1' && err instanceof Error && err.stack) {
            io.stderr(`${err.stack}\n`);
        }
        return EXIT_USAGE;
    }
}

/** Builds the commander program; `setExitCode` receives each command's result. */
function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
    const program = new Command('vmtopo')
        .description('Check vmtopo GPU-server topologies and export libvirt domain XML and NCCL topology XML.')
        .version(packageJson.version, '-V, --version', 'print the vmtopo version')
        .helpOption('-h, --help', 'show help')
        .showSuggestionAfterError(true)
        .exitOverride()
        .configureOutput({
            writeOut: text => io.stdout(text),
            writeErr: text => io.stderr(text),
            // One line, in the same form as every other error of the CLI.
            // Commander quotes the user's arguments: escaped like every other line.
            outputError: (text, write) => write(`vmtopo: ${escapeText(text.replace(/^error: /, '').trim().split('\n').join(' '))}\n`)
        });

    program.command('check')
        .description('validate files and print every diagnostic as file:line:col severity code message; exit 1 if any is an error')
        .argument('<file...>', '.vmtopo files, checked together as one workspace (a VM file can name a host of another file)')
        .addOption(new Option('--format <format>', 'output format (sarif: SARIF 2.1.0 for CI code scanning)').choices(['text', 'json', 'sarif']).default('text'))
        .addOption(ruleOption())
        .action(async (files: string[], options: { format: CheckFormat; rule?: RuleOverrides }) => {
            setExitCode(await check(files, options.format, options.rule ?? new Map(), io));
        });

    program.command('export')
        .description('write one file per VM: <vm>.domain.xml (libvirt) or <vm>.nccl-topo.xml (NCCL); refused if the files have errors')
        .addArgument(new Argument('<format>', 'what to write').choices([...FORMATS]))
        .argument('<file...>', '.vmtopo files, loaded together as one workspace')
        .option('--vm <name>', 'export only this VM (default: every VM of the files)')
        .option('-o, --out-dir <dir>', 'output folder (default: out/ beside each VM\'s file); only the exported files are written')
        .addOption(ruleOption())
        .action(async (format: ExportFormat, files: string[], options: { vm?: string; outDir?: string; rule?: RuleOverrides }) => {
            setExitCode(await exportCommand(format, files, options, io));
        });

    registerGraphCommand(program, io, () => cliServices(io), setExitCode);
    registerImportCommand(program, io, setExitCode);

    return program;
}

type CheckFormat = 'text' | 'json' | 'sarif';

/**
 * `--rule RULE=LEVEL`, repeatable (a later one for the same rule wins). The value collects into a
 * map; an unknown rule or level is commander's invalid-argument error: one line, exit 2.
 */
function ruleOption(): Option {
    return new Option('--rule <RULE=LEVEL>', `override a rule's severity: ${RULE_LEVELS.join('|')} (repeatable), e.g. --rule LOC001=off`)
        .argParser((value: string, previous: Map<string, RuleLevel> | undefined) => {
            const parsed = parseRuleOption(value, RULES);
            if ('error' in parsed) throw new InvalidArgumentError(parsed.error);
            return new Map(previous ?? []).set(parsed.id, parsed.level);
        });
}

/**
 * Services whose internal-error log writes to stderr: a rule or check that throws is reported there
 * (once per distinct failure), the other checks still run, and the command then exits 2. The
 * `--rule` overrides are handed to the configuration provider as the `vmtopo.rules` setting, the
 * way the language server receives the editor's setting.
 */
function cliServices(io: CliIo, rules: RuleOverrides = new Map()): ReturnType<typeof createVmtopoServices> {
    const services = createVmtopoServices(NodeFileSystem, { log: line => io.stderr(`${escapeText(line.split('\n')[0])}\n`) });
    if (rules.size > 0) {
        services.shared.workspace.ConfigurationProvider.updateConfiguration({
            settings: { [SETTINGS_SECTION]: { [RULES_SETTING]: Object.fromEntries(rules) } }
        });
    }
    return services;
}

async function check(files: string[], format: CheckFormat, rules: RuleOverrides, io: CliIo): Promise<number> {
    const inputs = readInputFiles(files, io.cwd);
    const { shared, vmtopo } = cliServices(io, rules);
    const results = await checkFiles(shared, inputs);
    if (format === 'json') {
        io.stdout(`${JSON.stringify(jsonReport(results), null, 2)}\n`);
    } else if (format === 'sarif') {
        const log = sarifReport(results, {
            cwd: io.cwd, version: packageJson.version, cliOverrides: rules,
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

async function exportCommand(format: ExportFormat, files: string[], options: { vm?: string; outDir?: string; rule?: RuleOverrides }, io: CliIo): Promise<number> {
    const inputs = readInputFiles(files, io.cwd);
    const services = cliServices(io, options.rule);
    const result = await exportFiles(services, {
        files: inputs.map(i => i.absolute),
        format,
        vm: options.vm,
        outDir: options.outDir === undefined ? undefined : path.resolve(io.cwd, options.outDir)
    });
    // The exporter names files by absolute path (escaped); show them as the user gave them (escaped
    // too). Longest first, so that /w/a.vmtopo does not replace the start of /w/a.vmtopo.vmtopo.
    const names = inputs.map(i => ({ absolute: escapePath(i.absolute), given: escapePath(i.given) }))
        .sort((a, b) => b.absolute.length - a.absolute.length);
    const asGiven = (line: string) => names.reduce((text, { absolute, given }) =>
        [':', ',', ';', ' '].reduce((t, end) => t.split(`${absolute}${end}`).join(`${given}${end}`), text), line);
    if (result.writeFailed) {
        // A file-system error while writing: the files written so far, then one line, exit 2.
        for (const file of result.written) io.stdout(`${escapePath(displayPath(file, io.cwd))}\n`);
        for (const problem of result.problems) io.stderr(`vmtopo: ${asGiven(problem)}\n`);
        return EXIT_USAGE;
    }
    if (!result.ok) {
        // The details (one error per line), then the one line saying what happened.
        for (const problem of result.problems.slice(1)) io.stderr(`${asGiven(problem)}\n`);
        io.stderr(`vmtopo: ${asGiven(refusalLine(result))}\n`);
        return EXIT_PROBLEMS;
    }
    for (const problem of result.problems) io.stderr(`${asGiven(problem)}\n`);
    for (const file of result.written) io.stdout(`${escapePath(displayPath(file, io.cwd))}\n`);
    return EXIT_OK;
}

/** A path relative to `cwd` when it lies under it, else the absolute path. */
function displayPath(file: string, cwd: string): string {
    const relative = path.relative(cwd, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function firstLine(text: string): string {
    return text.split('\n')[0];
}
