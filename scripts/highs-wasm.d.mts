/** Types of scripts/highs-wasm.mjs (HiGHS inside the bundles), for the tests. */
import type { Plugin } from 'esbuild';
export declare const HIGHS_WASM: string;
export declare const highsCommonJs: Plugin;
export declare function copyHighsWasm(...dirs: string[]): void;
