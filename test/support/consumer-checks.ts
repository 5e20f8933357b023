/**
 * Assertions that the programs consuming exported files (a format record's `consumers`, see
 * language/src/features/export/formats.ts) accept them. Kept apart from consumers.ts, which the
 * VS Code end-to-end suite (mocha, not vitest) imports too.
 */
import { expect } from 'vitest';
import { formatById, type ExportConsumer } from '../../language/src/features/export/formats.js';
import { consume } from './consumers.js';

/**
 * Asserts that `consumer` accepts `file`, the file of the VM or host `name`: exit status 0 and, where
 * the record names one, its `expect` text in the output.
 */
export function expectAccepts(consumer: ExportConsumer, file: string, name: string): void {
    const accepted = consume(consumer, file);
    expect(accepted.status, `${consumer.tool} ${file}: ${accepted.output}`).toBe(0);
    if (consumer.expect) expect(accepted.output).toContain(consumer.expect.replace(/\{name\}/g, name));
}

/** Asserts that every consumer of the export format `format` (its record's `consumers`) accepts `file`, the file of `name`. */
export function expectFormatAccepted(format: string, file: string, name: string): void {
    const record = formatById(format);
    if (!record) throw new Error(`no export format ${format}`);
    for (const consumer of record.consumers) expectAccepts(consumer, file, name);
}
