/**
 * CPU lists (and NUMA node lists) as ranges: `0-47,96-143` is two ranges, never 96 entries, so the
 * cost of any operation depends on how many ranges were written, not on the numbers in them
 * (`cores 0-8191` costs what `cores 0-1` costs).
 */

/** An inclusive range of ids, `[first, last]` with `first ≤ last`. */
export type IdRange = readonly [first: number, last: number];

/**
 * An ordered list of distinct ids kept as ranges. `ranges` keeps the order written (a `pin` list
 * maps vCPU i to its i-th CPU); the set operations (`has`, `intersect`, `minus`, `union`) use a
 * sorted, merged copy. Immutable.
 */
export class CpuList implements Iterable<number> {
    static readonly EMPTY = new CpuList([]);

    /** Ranges in the order written; distinct (no id appears twice). */
    readonly ranges: readonly IdRange[];
    /** The same ids as ascending, disjoint, non-adjacent ranges. */
    readonly sorted: readonly IdRange[];
    /** Number of ids. */
    readonly size: number;
    /** `starts[k]`: position (in written order) of the first id of `ranges[k]`. */
    private readonly starts: readonly number[];

    /** `ranges` must be distinct ranges with `first ≤ last` (as {@link parseIdList} guarantees). */
    private constructor(ranges: readonly IdRange[]) {
        this.ranges = ranges;
        const starts: number[] = [];
        let size = 0;
        for (const [a, b] of ranges) {
            starts.push(size);
            size += b - a + 1;
        }
        this.starts = starts;
        this.size = size;
        this.sorted = merge(ranges);
    }

    /** A list from ranges in written order. Overlapping ranges are merged (their order then is ascending). */
    static fromRanges(ranges: readonly IdRange[]): CpuList {
        const valid = ranges.filter(([a, b]) => a <= b);
        const sorted = merge(valid);
        const total = sorted.reduce((n, [a, b]) => n + b - a + 1, 0);
        const written = valid.reduce((n, [a, b]) => n + b - a + 1, 0);
        return new CpuList(total === written ? valid : sorted);
    }

    /** A list of the given ids, ascending (duplicates dropped). */
    static of(ids: Iterable<number>): CpuList {
        const sorted = [...new Set(ids)].sort((a, b) => a - b);
        const ranges: IdRange[] = [];
        for (let i = 0; i < sorted.length; i++) {
            const first = sorted[i];
            while (i + 1 < sorted.length && sorted[i + 1] === sorted[i] + 1) i++;
            ranges.push([first, sorted[i]]);
        }
        return new CpuList(ranges);
    }

    /** The union of the lists, ascending. */
    static union(lists: Iterable<CpuList>): CpuList {
        return new CpuList(merge([...lists].flatMap(l => l.sorted)));
    }

    get isEmpty(): boolean {
        return this.size === 0;
    }

    /** Smallest id, or undefined when empty. */
    get min(): number | undefined {
        return this.sorted[0]?.[0];
    }

    /** Largest id, or undefined when empty. */
    get max(): number | undefined {
        return this.sorted[this.sorted.length - 1]?.[1];
    }

    /** Whether `id` is in the list (binary search over the sorted ranges). */
    has(id: number): boolean {
        let lo = 0;
        let hi = this.sorted.length - 1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            const [a, b] = this.sorted[mid];
            if (id < a) hi = mid - 1;
            else if (id > b) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /** The id at `index` in written order (0-based), or undefined outside `[0, size)`. */
    at(index: number): number | undefined {
        if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
        let lo = 0;
        let hi = this.starts.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (this.starts[mid] <= index) lo = mid;
            else hi = mid - 1;
        }
        return this.ranges[lo][0] + index - this.starts[lo];
    }

    /** Position of `id` in written order, or -1. */
    indexOf(id: number): number {
        for (let k = 0; k < this.ranges.length; k++) {
            const [a, b] = this.ranges[k];
            if (id >= a && id <= b) return this.starts[k] + id - a;
        }
        return -1;
    }

    /** Smallest position (in written order) whose id is in `other`, or -1. O(k log m) for k and m ranges. */
    firstIndexIn(other: CpuList): number {
        const y = other.sorted;
        for (let k = 0; k < this.ranges.length; k++) {
            const [a, b] = this.ranges[k];
            // First range of `other` that ends at or after `a`.
            let lo = 0;
            let hi = y.length;
            while (lo < hi) {
                const mid = (lo + hi) >> 1;
                if (y[mid][1] < a) lo = mid + 1;
                else hi = mid;
            }
            if (lo < y.length && y[lo][0] <= b) return this.starts[k] + Math.max(a, y[lo][0]) - a;
        }
        return -1;
    }

    /** The ids in both lists, ascending. */
    intersect(other: CpuList): CpuList {
        const out: IdRange[] = [];
        const x = this.sorted;
        const y = other.sorted;
        let i = 0;
        let j = 0;
        while (i < x.length && j < y.length) {
            const a = Math.max(x[i][0], y[j][0]);
            const b = Math.min(x[i][1], y[j][1]);
            if (a <= b) out.push([a, b]);
            if (x[i][1] < y[j][1]) i++;
            else j++;
        }
        return new CpuList(out);
    }

    /** The ids of this list that are not in `other`, ascending. */
    minus(other: CpuList): CpuList {
        const out: IdRange[] = [];
        const y = other.sorted;
        let j = 0;
        for (const [a0, b] of this.sorted) {
            let a = a0;
            while (j < y.length && y[j][1] < a) j++;
            let k = j;
            while (a <= b && k < y.length && y[k][0] <= b) {
                if (y[k][0] > a) out.push([a, y[k][0] - 1]);
                a = Math.max(a, y[k][1] + 1);
                k++;
            }
            if (a <= b) out.push([a, b]);
        }
        return new CpuList(out);
    }

    /** The ids in written order. Callers bound the iteration (ids are at most 8192). */
    *[Symbol.iterator](): Iterator<number> {
        for (const [a, b] of this.ranges) {
            for (let c = a; c <= b; c++) yield c;
        }
    }

    /** The compact, ascending cpulist form: `0-3,96`. */
    toString(): string {
        return this.sorted.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
    }
}

/**
 * Ascending, disjoint, non-adjacent ranges covering the same ids: `ranges` itself when it already is
 * (as most lists are written, and every list made from another's sorted ranges), else a new array.
 * (Lists are made for every CPU list of every host and VM on each keystroke: not copying and sorting
 * what is sorted already halves their cost.)
 */
function merge(ranges: readonly IdRange[]): readonly IdRange[] {
    let ordered = true;
    for (let i = 1; i < ranges.length && ordered; i++) ordered = ranges[i][0] > ranges[i - 1][1] + 1;
    if (ordered) return ranges;
    const sorted = [...ranges].sort((p, q) => p[0] - q[0]);
    const out: Array<[number, number]> = [];
    for (const [a, b] of sorted) {
        const last = out[out.length - 1];
        if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
        else out.push([a, b]);
    }
    return out;
}

export type ParsedList = { ok: true; value: CpuList } | { ok: false; message: string; outOfRange?: boolean };

/**
 * Parses a list in the kernel's cpulist format (`0-15,96-111`, `16`), as used by
 * `/sys/devices/system/node/nodeN/cpulist` and libvirt's `cpuset`/`nodeset`
 * (https://docs.kernel.org/admin-guide/cputopology.html). Ids must be whole numbers from 0 to
 * `maxId`; duplicates and descending ranges are errors. `what` names the ids in messages (`CPU`,
 * `NUMA node`). Cost: O(k log k) in the number k of comma-separated parts, whatever the numbers.
 */
export function parseIdList(text: string, maxId: number, what: string): ParsedList {
    const ranges: IdRange[] = [];
    for (const part of text.split(',')) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (!m) {
            return { ok: false, message: `${text} is not a ${what} list: expected numbers and ranges like 0-15,96-111 (bad part '${part}')` };
        }
        const big = [m[1], m[2]].find(n => n !== undefined && (n.length > 15 || Number(n) > maxId));
        if (big !== undefined) {
            return { ok: false, outOfRange: true, message: `${what} ${big} in ${text} is out of range: ${what} ids are 0 to ${maxId}` };
        }
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : Number(m[2]);
        if (hi < lo) {
            return { ok: false, message: `${text} is not a ${what} list: range ${part} goes down; write ${hi}-${lo}` };
        }
        ranges.push([lo, hi]);
    }
    const sorted = [...ranges].sort((p, q) => p[0] - q[0]);
    for (let i = 1; i < sorted.length; i++) {
        if (sorted[i][0] <= sorted[i - 1][1]) {
            return { ok: false, message: `${text} names ${what} ${sorted[i][0]} twice` };
        }
    }
    return { ok: true, value: CpuList.fromRanges(ranges) };
}
