/**
 * `vmtopo import FILE... [--format hwloc|nccl|nvidia-smi] [--name HOST] [-o OUT.vmtopo] [--force]`:
 * a real host's hwloc XML, NCCL topology XML or `nvidia-smi topo -m` output (plus, for nvidia-smi,
 * the `--query-gpu` CSV and `ls -l /sys/class/infiniband/` listing that give its PCI addresses) →
 * one vmtopo host, printed on stdout or written to `-o`. An existing output file is never replaced
 * without `--force`. Exit codes as the rest of the CLI: 0 written, 2 unusable input or output
 * (one line on stderr, `vmtopo: …`). Loaded when the command runs (cli.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapePath, escapeText } from '../kernel/text.js';
import { ImportError, importHost, type ImportFormat } from '../features/import/index.js';
import type { CliIo } from './io.js';

export interface ImportOptions {
    format?: ImportFormat;
    name?: string;
    output?: string;
    force?: boolean;
}

/** Runs `vmtopo import`; returns the exit code (0 written, 2 with one line on stderr). */
export function runImport(files: readonly string[], options: ImportOptions, io: CliIo): number {
    const inputs = [];
    for (const file of files) {
        const absolute = path.resolve(io.cwd, file);
        let text: string;
        try {
            if (fs.statSync(absolute).isDirectory()) throw new ImportError(`${escapePath(file)} is a directory`);
            text = fs.readFileSync(absolute, 'utf8');
        } catch (err) {
            if (err instanceof ImportError) { io.stderr(`vmtopo: ${err.message}\n`); return 2; }
            io.stderr(`vmtopo: cannot read ${escapePath(file)}: ${escapeText((err as NodeJS.ErrnoException).code ?? (err as Error).message)}\n`);
            return 2;
        }
        inputs.push({ file: path.basename(file), text });
    }
    let result;
    try {
        result = importHost(inputs, { format: options.format, name: options.name });
    } catch (err) {
        if (err instanceof ImportError) { io.stderr(`vmtopo: ${escapeText(err.message)}\n`); return 2; }
        throw err;
    }
    if (options.output === undefined) {
        io.stdout(result.text);
    } else {
        const out = path.resolve(io.cwd, options.output);
        if (fs.existsSync(out) && !options.force) {
            io.stderr(`vmtopo: ${escapePath(options.output)} exists; use --force to replace it\n`);
            return 2;
        }
        try {
            fs.writeFileSync(out, result.text);
        } catch (err) {
            io.stderr(`vmtopo: cannot write ${escapePath(options.output)}: ${escapeText((err as NodeJS.ErrnoException).code ?? (err as Error).message)}\n`);
            return 2;
        }
        const c = result.counts;
        io.stderr(`${escapePath(options.output)}: ${result.hosts.length > 1 ? `hosts ${result.hosts.map(h => h.name).join(', ')}` : `host ${result.host.name}`} from ${result.format}: ${c.gpus} GPUs, ${c.nics} NICs, ${c.nvswitches} NVSwitches, ${c.switches} PCIe switches, ${c.numaNodes} NUMA nodes\n`);
    }
    return 0;
}
