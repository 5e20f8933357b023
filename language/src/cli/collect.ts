/**
 * `vmtopo collect [-o FILE]`: prints the collector, a POSIX shell script to run as root on a host
 * (`sh vmtopo-collect.sh`), which gathers what `vmtopo drift` reads into one tar file and prints its
 * path (language/src/features/drift/vmtopo-collect.sh says what it gathers). With `-o` the script is
 * written to FILE (mode 0755) instead; an existing file is not replaced without `--force`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapePath, escapeText } from '../kernel/text.js';
import script from '../features/drift/vmtopo-collect.sh?raw';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

/** The collector's text. */
export const COLLECT_SCRIPT: string = script;

/** Runs `vmtopo collect`; returns the exit code. */
export function runCollect(options: { output?: string; force?: boolean }, io: CliIo): number {
    if (options.output === undefined) {
        io.stdout(script);
        return EXIT_OK;
    }
    const out = path.resolve(io.cwd, options.output);
    if (fs.existsSync(out) && !options.force) {
        io.stderr(`vmtopo: ${escapePath(options.output)} exists; use --force to replace it\n`);
        return EXIT_USAGE;
    }
    try {
        fs.writeFileSync(out, script, { mode: 0o755 });
        fs.chmodSync(out, 0o755);
    } catch (err) {
        io.stderr(`vmtopo: cannot write ${escapePath(options.output)}: ${escapeText((err as NodeJS.ErrnoException).code ?? (err as Error).message)}\n`);
        return EXIT_USAGE;
    }
    io.stderr(`${escapePath(options.output)}: run it as root on the host (sh ${escapePath(path.basename(options.output))}); it prints the bundle's path\n`);
    return EXIT_OK;
}
