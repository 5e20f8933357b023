/**
 * The `vmtopo` command line (commander):
 *
 *   vmtopo check FILE... [--format text|json|sarif] [--rule RULE=LEVEL]...
 *   vmtopo export FORMAT FILE... [--vm NAME] [--host NAME] [-o DIR] [--into DOMAIN.xml] [--rule RULE=LEVEL]...
 *   vmtopo graph FILE... [--host NAME] [--fleet] [--size WxH] [-o out.svg]
 *   vmtopo import FILE... [--format hwloc|nccl|nvidia-smi] [--name HOST] [-o OUT.vmtopo] [--force]
 *   vmtopo explain RULE
 *   vmtopo collect [-o FILE] [--force]
 *   vmtopo drift BUNDLE... FILE... [--format text|json|sarif]
 *
 * FORMAT is a format of the export-format registry (features/export/formats.ts): its ids are the
 * choices, its records the help.
 *
 * This module only defines the commands: each command's code (and the language, the writers,
 * elkjs…) is imported when the command runs, so `--help`, usage errors and `import` never load the
 * language, and `check` never loads the writers or the diagram. (`bin/vmtopo.js` answers a lone
 * `--version` without loading even this module.)
 *
 * `--rule LOC001=off` (levels off, info, warning, error; repeatable) overrides a rule's severity
 * for the run, exactly as the editor's `vmtopo.rules` setting does: it is handed to the same
 * configuration provider, so `export` refuses exactly the errors `check` reports with the same
 * options. An unknown rule or level is a usage error (checked when the command runs, against the
 * rule records).
 *
 * Exit codes: 0 success (warnings and infos allowed); 1 the files have errors (check) or the export
 * was refused; 2 usage error, unusable input file (missing, directory, unreadable, not UTF-8, not
 * `.vmtopo`), an output file that cannot be written, or an internal error. Errors of kind 2 are one
 * line on stderr, `vmtopo: …`; set `VMTOPO_DEBUG=1` to also get the stack of an internal error.
 * A reader that stops early (`vmtopo check … | head -1`) ends the output quietly (io.ts).
 *
 * Every path, name or message the CLI prints is escaped (`kernel/text.ts`): a newline in a file
 * name is printed as the two characters `\n`, an ESC as `\x1b`, so each diagnostic and each problem
 * is one line and no control sequence reaches the terminal. `--format json` is JSON (escaped by
 * JSON itself).
 *
 * `runCli` never calls `process.exit`: it returns the exit code (the entry point sets
 * `process.exitCode`), so it can also run in-process.
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { escapeText } from '../kernel/text.js';
import { EXPORT_FORMATS, fileNamePattern, formatIds } from '../features/export/formats.js';
import { IMPORT_FORMATS, type ImportFormat } from '../features/import/formats.js';
import { EXIT_OK, EXIT_USAGE, processIo, type CliIo } from './io.js';
import { InputError } from './input.js';
// The CLI's bundle holds only the name and version of package.json (esbuild.mjs).
import packageJson from '../../../package.json' with { type: 'json' };

export type { CliIo } from './io.js';

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

type CheckFormat = 'text' | 'json' | 'sarif';

/** The flags of the `--rule` option, as commander names it in messages. */
const RULE_FLAGS = '--rule <RULE=LEVEL>';

/** Builds the commander program; `setExitCode` receives each command's result. */
function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
    const program = new Command('vmtopo')
        .description(`Check vmtopo GPU-server topologies and export them: ${EXPORT_FORMATS.map(f => f.label).join(', ')}.`)
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
        .action(async (files: string[], options: { format: CheckFormat; rule?: string[] }, command: Command) => {
            const rules = await checkedRules(options.rule, command);
            const { runCheck } = await import('./check-command.js');
            setExitCode(await runCheck(files, options.format, rules, packageJson.version, io));
        });

    program.command('export')
        .description(`write one file per VM (or per host) in FORMAT: ${EXPORT_FORMATS.map(f => `${fileNamePattern(f)} (${f.id})`).join(', ')}; `
            + 'refused if the files have errors (except for a diagram, which draws them)')
        .addArgument(new Argument('<format>', 'what to write').choices(formatIds()))
        .argument('<file...>', '.vmtopo files, loaded together as one workspace')
        .option('--vm <name>', 'export only this VM (for a per-host format: its host); default: every VM and host of the files')
        .option('--host <name>', 'export only this host (for a per-VM format: the VMs on it)')
        .option('-o, --out-dir <dir>', 'output folder (default: out/ beside each VM\'s file); only the exported files are written')
        .option('--into <domain.xml>', 'libvirt only: merge the VM into your own domain XML (e.g. virsh dumpxml output); writes <vm>.domain.xml in the output folder, never over this file')
        .addOption(ruleOption())
        .addHelpText('after', `\nFormats:\n${formatTable()}`)
        .action(async (format: string, files: string[], options: { vm?: string; host?: string; outDir?: string; into?: string; rule?: string[] }, command: Command) => {
            const rules = await checkedRules(options.rule, command);
            const { runExport } = await import('./export-command.js');
            setExitCode(await runExport(format, files, { vm: options.vm, host: options.host, outDir: options.outDir, into: options.into, rules }, io));
        });

    program.command('graph')
        .description('draw the topology as SVG (hosts, sockets, PCIe switches, GPUs, NICs, VM slices, diagnostics): one host, or --fleet for all hosts as cards')
        .argument('<file...>', '.vmtopo files, loaded together as one workspace')
        .option('--host <name>', 'the host to draw (default: the first host of the files)')
        .option('--fleet', 'draw the fleet overview: one card per host with its GPU use')
        .option('--size <WxH>', 'lay the host out for a screen of this size in px, e.g. 500x900 (sockets side by side when wide, stacked when tall; default 1600x1000)', parseSize)
        .option('-o, --output <file>', 'write the SVG to this file (default: stdout)')
        .action(async (files: string[], options: { host?: string; fleet?: boolean; output?: string; size?: { width: number; height: number } }) => {
            const { runGraph } = await import('./graph.js');
            setExitCode(await runGraph(files, options, io));
        });

    program.command('plan')
        .description('place the files\' request blocks on their hosts and write the planned vm blocks (exact MILP for one host, heuristic for fleets); --report prints the stranded-capacity table')
        .argument('<file...>', '.vmtopo files, loaded together as one workspace')
        .option('--host <name>', 'plan only onto this host')
        .option('--report', 'print free and stranded capacity per host and for the fleet after the plan')
        .addOption(new Option('--method <method>', 'force the exact model or the heuristic').choices(['milp', 'heuristic']))
        .option('-o, --output <file>', 'write the planned VMs to this file (default: stdout)')
        .action(async (files: string[], options: { host?: string; report?: boolean; method?: 'milp' | 'heuristic'; output?: string }) => {
            const { runPlan } = await import('./plan.js');
            setExitCode(await runPlan(files, options, io));
        });

    program.command('import')
        .description('turn a real host\'s hwloc XML (lstopo --of xml), NCCL topology dump or nvidia-smi topo -m output into a vmtopo host')
        .argument('<file...>', 'the topology file; for nvidia-smi also `nvidia-smi --query-gpu=index,pci.bus_id,name --format=csv` and `ls -l /sys/class/infiniband/` outputs')
        .addOption(new Option('--format <format>', 'format of the topology file (default: detected from its content)').choices([...IMPORT_FORMATS]))
        .option('--name <host>', 'name of the host (default: from the source, else the file name)')
        .option('-o, --output <file>', 'write the host to this .vmtopo file instead of stdout')
        .option('--force', 'replace the output file if it exists')
        .action(async (files: string[], options: { format?: ImportFormat; name?: string; output?: string; force?: boolean }) => {
            const { runImport } = await import('./import.js');
            setExitCode(runImport(files, options, io));
        });

    program.command('explain')
        .description('print a rule\'s documentation (what it checks, why, how to fix it, its sources): the section of docs/rules.md')
        .argument('<rule>', 'a rule id, e.g. LOC001 (the code of a diagnostic)')
        .action(async (rule: string) => {
            const { runExplain } = await import('./explain.js');
            setExitCode(runExplain(rule, io));
        });

    program.command('collect')
        .description('print the collector: a read-only shell script to run as root on a host; it gathers lstopo, virsh, nvidia-smi and sysfs facts into one tar file (a bundle) for `vmtopo drift`')
        .option('-o, --output <file>', 'write the script to this file (mode 0755) instead of stdout')
        .option('--force', 'replace the output file if it exists')
        .action(async (options: { output?: string; force?: boolean }) => {
            const { runCollect } = await import('./collect.js');
            setExitCode(runCollect(options, io));
        });

    program.command('drift')
        .description('compare .vmtopo files with the bundles `vmtopo collect` made on their hosts: inventory, domain configuration, pending changes, capacity; exit 1 if anything drifted')
        .argument('<bundle-or-file...>', 'bundles (.tar, .tar.gz from vmtopo collect) and .vmtopo files (loaded together as one workspace)')
        .addOption(new Option('--format <format>', 'output format (sarif: SARIF 2.1.0 for CI code scanning)').choices(['text', 'json', 'sarif']).default('text'))
        .action(async (args: string[], options: { format: 'text' | 'json' | 'sarif' }) => {
            const { runDrift } = await import('./drift.js');
            setExitCode(await runDrift(args, options.format, packageJson.version, io));
        });

    return program;
}

/** The formats of `vmtopo export --help`: id, file name, what it is. */
function formatTable(): string {
    const rows = EXPORT_FORMATS.map(f => [f.id, fileNamePattern(f), f.writesWithErrors ? `${f.label} (written with the files' errors drawn)` : f.label]);
    const widths = [0, 1].map(i => Math.max(...rows.map(r => r[i].length)));
    return rows.map(r => `  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`).join('\n');
}

/**
 * `--rule RULE=LEVEL`, repeatable (a later one for the same rule wins). The values are collected
 * here and checked against the rule records when the command runs ({@link checkedRules}).
 */
function ruleOption(): Option {
    return new Option(RULE_FLAGS, 'override a rule\'s severity: off|info|warning|error (repeatable), e.g. --rule LOC001=off')
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

/**
 * The `--rule` values as overrides. An unknown rule or level is commander's invalid-argument error,
 * as if the option's parser had refused it: one line, exit 2.
 */
async function checkedRules(values: readonly string[] | undefined, command: Command) {
    const { ruleOverrides } = await import('./services.js');
    const rules = ruleOverrides(values ?? []);
    if ('error' in rules) {
        command.error(`error: option '${RULE_FLAGS}' argument '${rules.value}' is invalid. ${rules.error}`, { exitCode: EXIT_USAGE, code: 'commander.invalidArgument' });
    }
    return rules;
}

function firstLine(text: string): string {
    return text.split('\n')[0];
}

/** `--size WxH` → `{ width, height }` in px (each 50 … 20,000); anything else is a usage error. */
function parseSize(value: string): { width: number; height: number } {
    const m = /^(\d{2,5})x(\d{2,5})$/.exec(value.trim());
    const size = m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
    if (!size || size.width < 50 || size.height < 50 || size.width > 20_000 || size.height > 20_000) {
        throw new InvalidArgumentError('Expected WIDTHxHEIGHT in px, each 50 to 20000, e.g. 500x900.');
    }
    return size;
}
