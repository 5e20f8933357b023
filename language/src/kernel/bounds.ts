/**
 * The bounds of one diagnostic, whatever the size of the workspace. A conflict among N objects (N
 * VMs taking MIG slices of one GPU, N VMs below one PCIe switch) is one diagnostic whose message
 * names at most {@link MAX_NAMED} of them and counts the rest ({@link nameList}), with at most
 * {@link MAX_RELATED} related-information entries (the topology rule runner cuts every report's
 * `related` to that, rules/engine/runner.ts): N objects then cost O(N) bytes in all, not O(N²).
 * test/rules/engine/bounded.test.ts holds the payload of 1,000 conflicting VMs to that.
 */

/** At most this many names in one list of a message; the rest are counted ("and 992 more"). */
export const MAX_NAMED = 8;

/**
 * At most this many names in a list of one host's devices (the GPUs and NVSwitches a VM lacks):
 * a whole 8-GPU HGX board with its NVSwitches (four on HGX H100/H200, NVIDIA's Fabric Manager user
 * guide) is still named in full.
 */
export const MAX_NAMED_DEVICES = 16;

/**
 * At most this many related-information entries per diagnostic: the object it is about (a GPU) and
 * eight others, as VGPU002 showed them first.
 */
export const MAX_RELATED = 9;

/** Options of {@link nameList}. */
export interface NameListOptions {
    /** Names shown at most (default {@link MAX_NAMED}, at least 1). */
    readonly max?: number;
    /**
     * How many there are in all (default `names.length`): a caller with a long list may pass only
     * its first `max` names and the count, so that the list costs constant work.
     */
    readonly total?: number;
    /** Join the last two names with ` and ` (`a, b and c`) rather than the separator. */
    readonly and?: boolean;
    /** Between names (default `, `; `' + '` for a MIG layout). */
    readonly separator?: string;
}

/**
 * Names for a message, at most `max` of them: `a, b, c`; past `max`, the first `max` and a count,
 * `a, b, c, d, e, f, g, h and 992 more`. Only the first `max` names are read. An empty list is `''`;
 * a list whose names were all left to the count (`names` empty, `total` 3) is `3 more`.
 *
 * @example nameList(['a', 'b', 'c']) === 'a, b, c'
 * @example nameList(['a', 'b', 'c'], { and: true }) === 'a, b and c'
 * @example nameList(['a', 'b', 'c', 'd'], { max: 2 }) === 'a, b and 2 more'
 * @example nameList(['a', 'b'], { max: 2, total: 1000 }) === 'a, b and 998 more'
 */
export function nameList(names: readonly string[], options: NameListOptions = {}): string {
    const max = Math.max(1, Math.floor(options.max ?? MAX_NAMED));
    const total = Math.max(options.total ?? names.length, 0);
    const separator = options.separator ?? ', ';
    const shown = names.slice(0, Math.min(max, total));
    const rest = total - shown.length;
    if (shown.length === 0) return rest > 0 ? `${rest} more` : '';
    if (rest > 0) return `${shown.join(separator)} and ${rest} more`;
    if (options.and && shown.length > 1) return `${shown.slice(0, -1).join(separator)} and ${shown[shown.length - 1]}`;
    return shown.join(separator);
}
