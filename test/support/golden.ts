/**
 * Golden files under test/golden/: `expectGolden(name, text)` compares `text` with the stored file;
 * with `UPDATE_GOLDEN=1` in the environment it rewrites the file instead (review the diff).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { REPO } from './util.js';

export const GOLDEN_DIR = path.join(REPO, 'test', 'golden');

export function expectGolden(name: string, text: string): void {
    const file = path.join(GOLDEN_DIR, name);
    if (process.env.UPDATE_GOLDEN === '1') {
        fs.mkdirSync(GOLDEN_DIR, { recursive: true });
        fs.writeFileSync(file, text);
        return;
    }
    if (!fs.existsSync(file)) {
        throw new Error(`golden file ${path.relative(REPO, file)} is missing; run the test with UPDATE_GOLDEN=1 to create it`);
    }
    expect(text, `export differs from ${path.relative(REPO, file)} (UPDATE_GOLDEN=1 rewrites it)`).toBe(fs.readFileSync(file, 'utf8'));
}
