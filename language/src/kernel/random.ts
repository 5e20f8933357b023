/**
 * Seeded randomness for what must be reproducible: the planner's repair order (byte-identical plans
 * for the same input), the benchmark's shuffled arrival orders, and the tests' and fuzzer's random
 * edits (a failure replays from its seed).
 */

/**
 * mulberry32, a 32-bit seeded PRNG (Tommy Ettinger's public-domain generator): a function giving
 * numbers uniform in [0, 1), the same sequence for the same seed.
 */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Fisher–Yates shuffle of `list` in place, drawing from `random`; returns `list`. */
export function shuffle<T>(list: T[], random: () => number): T[] {
    for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
}
