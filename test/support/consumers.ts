/**
 * Running the programs that consume exported files (a format record's `consumers`, see
 * language/src/features/export/formats.ts) from the tests.
 */
import { spawnSync } from 'node:child_process';
import type { ExportConsumer } from '../../language/src/features/export/formats.js';

/** Whether `tool` can be run (found on PATH). */
export function installed(tool: string): boolean {
    return !spawnSync(tool, ['--version'], { encoding: 'utf8' }).error;
}

/** Runs `tool` (found on PATH) with `args`, a 60 s hang watchdog: its exit status and output (stdout, stderr and a spawn error together). */
export function runTool(tool: string, args: readonly string[]): { status: number | null; output: string } {
    const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Runs a consumer on `file`: its exit status and output (stdout, stderr and a spawn error together). */
export function consume(consumer: ExportConsumer, file: string): { status: number | null; output: string } {
    return runTool(consumer.tool, consumer.args.map(a => a.replace('{file}', file)));
}
