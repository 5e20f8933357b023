/**
 * HOST — host integrity (issue #6, item 1): one function per PCI address (HOST001), VF addresses
 * that are free (HOST002), one socket per NUMA node id and per CPU (HOST003, HOST004), a device on
 * its switch's socket (HOST005) and on a bus behind its switch (HOST006). Device ownership by PCI
 * address (two names for one address) is GEN001's and SRIOV003's: test/rules/gen.test.ts, sriov.test.ts.
 *
 * Host `h` (test/support/fixtures.ts): sw0 at 0000:10:00.0 on cpu0 (NUMA 0) with gpu0 11:00.0, gpu1 12:00.0,
 * nic0 13:00.0 (4 VFs: 13:00.1-13:00.4); sw1 at 0000:90:00.0 on cpu1 with gpu2, gpu3, nic1 93:00.0
 * (4 VFs); nic2 at 0000:20:00.0 on cpu0.
 */
import { describe, it, expect } from 'vitest';
import { ruleDocUrl } from '../../language/src/rules/engine/links.js';
import { ruleById } from '../../language/src/rules/index.js';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at, pinnedVm } from '../support/fixtures.js';

const vm = pinnedVm;
import { messageText } from '../../language/src/kernel/diagnostics.js';

/** `HOST` with `from` replaced by `to` (which must be there). */
function hostWith(from: string, to: string): string {
    expect(HOST).toContain(from);
    return HOST.replace(from, to);
}

const GPU1 = 'gpu gpu1 "H200 SXM5 141GB" at 0000:12:00.0';

/** Position of the part of `needle` that starts `skip` characters into it (its first occurrence). */
function within(text: string, needle: string, skip: number): { line: number; character: number } {
    const p = at(text, needle);
    return { line: p.line, character: p.character + skip };
}

describe('HOST001: one PCI function per address on a host', () => {
    it('fires on both devices at one address, naming both and the address', async () => {
        const text = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:11:00.0');
        const found = withCode((await build(text)).diagnostics(), 'HOST001');
        expect(found.map(d => d.message)).toEqual([
            'gpu0 is at 0000:11:00.0, as is gpu1 on h; a PCI address names exactly one function.',
            'gpu1 is at 0000:11:00.0, as is gpu0 on h; a PCI address names exactly one function.'
        ]);
        expect(found.every(d => d.severity === Severity.error)).toBe(true);
        expect(found[0].range.start).toEqual(at(text, '0000:11:00.0'));
        expect(found[1].range.start).toEqual(at(text, '0000:11:00.0', 1));
        expect(found[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(found[0].code))!));
    });

    it('fires for a device at the address of a switch (its upstream port) and for two switches', async () => {
        const text = hostWith('nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0', 'nvswitch nvs0 at 0000:90:00.0 on cpu1')
            .replace('pcie-switch sw1 at 0000:90:00.0', 'pcie-switch sw1 at 0000:10:00.0');
        const found = withCode((await build(text)).diagnostics(), 'HOST001');
        expect(found.map(d => d.message).sort()).toEqual([
            'sw0 is at 0000:10:00.0, as is sw1 on h; a PCI address names exactly one function.',
            'sw1 is at 0000:10:00.0, as is sw0 on h; a PCI address names exactly one function.'
        ]);
        const nvs = hostWith('nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0', 'nvswitch nvs0 at 0000:90:00.0 on cpu1');
        expect(withCode((await build(nvs)).diagnostics(), 'HOST001').map(d => d.message)).toEqual([
            'sw1 is at 0000:90:00.0, as is nvs0 on h; a PCI address names exactly one function.',
            'nvs0 is at 0000:90:00.0, as is sw1 on h; a PCI address names exactly one function.'
        ]);
    });

    it('does not fire for another function of the same device, or the same address on another host', async () => {
        const text = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:11:00.1');
        expect(withCode((await build(text)).diagnostics(), 'HOST001')).toEqual([]);
        const twoHosts = HOST + HOST.replace('host h {', 'host h2 {');
        expect((await build(twoHosts)).diagnostics()).toEqual([]);
    });
});

describe('HOST002: SR-IOV VF addresses are free', () => {
    it('fires when a VF of nic0 lands on another device, with the VF index, the address and the arithmetic', async () => {
        const text = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:13:00.3');
        const found = withCode((await build(text)).diagnostics(), 'HOST002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].message).toBe('VF 2 of nic0 would be at 0000:13:00.3, the address of gpu1 '
            + '(routing id of 0000:13:00.0 + vf-offset 1 + 2 × vf-stride 1); a VF needs an address of its own.');
        expect(found[0].range.start).toEqual(within(text, 'vfs 4\n    }', 4));
        expect(found[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(found[0].code))!));
    });

    it('does not fire for a device just past the last VF (VF 3 is 0000:13:00.4)', async () => {
        const text = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:13:00.5');
        expect(withCode((await build(text)).diagnostics(), 'HOST002')).toEqual([]);
    });

    const TWO_NICS = (b: string) => `host n {
    socket s0 { numa 0 cores 0-7 memory 64 GiB }
    nic a "ConnectX-7" at 0000:20:00.0 on s0 vfs 8 vf-offset 2 vf-stride 2
    nic b "ConnectX-7" at 0000:20:00.1 on s0 ${b}
}
`;

    it('fires on both NICs when their VF ranges overlap, with each one\'s VF index', async () => {
        const text = TWO_NICS('vfs 8 vf-offset 3 vf-stride 4');
        const found = withCode((await build(text)).diagnostics(), 'HOST002');
        expect(found.map(d => d.message)).toEqual([
            'VF 1 of a would be at 0000:20:00.4, where VF 0 of b is; the VF ranges of two PFs must not overlap.',
            'VF 0 of b would be at 0000:20:00.4, where VF 1 of a is; the VF ranges of two PFs must not overlap.'
        ]);
        expect(found[0].range.start).toEqual(at(text, '8'));
        expect(found[1].range.start).toEqual(at(text, '8', 1));
    });

    it('does not fire for interleaved ranges that never meet (a: 20:00.0 + 2, 4, 6…; b: 20:00.1 + 2, 6, 10…)', async () => {
        expect((await build(TWO_NICS('vfs 8 vf-offset 2 vf-stride 4'))).diagnostics()).toEqual([]);
    });

    it('finds the first common VF of long ranges arithmetically (20,000 and 10,000 VFs)', async () => {
        const text = `host n {
    socket s0 { numa 0 cores 0-7 memory 64 GiB }
    nic a "ConnectX-7" at 0000:00:00.0 on s0 vfs 20000 vf-offset 1 vf-stride 3
    nic b "ConnectX-7" at 0000:00:00.2 on s0 vfs 10000 vf-offset 7 vf-stride 5
}
`;
        // a: routing ids 1, 4, 7, …; b: 9, 14, 19, …; first common: 19 = 0000:00:02.3 (VF 6 of a, VF 2 of b).
        const found = withCode((await build(text)).diagnostics(), 'HOST002');
        expect(found.map(d => d.message)).toEqual([
            'VF 6 of a would be at 0000:00:02.3, where VF 2 of b is; the VF ranges of two PFs must not overlap.',
            'VF 2 of b would be at 0000:00:02.3, where VF 6 of a is; the VF ranges of two PFs must not overlap.'
        ]);
    });

    it('fires for vf-offset 0 (VF 0 on the PF) and for vf-stride 0 with more than one VF', async () => {
        const text = hostWith('nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0', 'nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0 vfs 2 vf-offset 0 vf-stride 0');
        const found = withCode((await build(text)).diagnostics(), 'HOST002');
        expect(found.map(d => d.message)).toEqual([
            'VF 0 of nic2 would be at 0000:20:00.0, nic2\'s own address: vf-offset 0 puts the first VF on its PF (Linux refuses such a PF).',
            'VF 1 of nic2 would be at 0000:20:00.0 like VF 0: vf-stride 0 puts all 2 VFs at one address (Linux refuses such a PF).'
        ]);
        expect(found[0].range.start).toEqual(at(text, '0 vf-stride'));
        expect(found[1].range.start).toEqual(at(text, '0\n}'));
    });

    it('does not fire for vf-stride 0 with one VF (the stride is unused)', async () => {
        const text = hostWith('nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0', 'nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0 vfs 1 vf-stride 0');
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('HOST003 and HOST004: one socket per NUMA node id and per CPU', () => {
    it('HOST003 fires on both sockets of NUMA node 0', async () => {
        const text = hostWith('socket cpu1 { numa 1', 'socket cpu1 { numa 0');
        const found = withCode((await build(text)).diagnostics(), 'HOST003');
        expect(found.map(d => d.message)).toEqual([
            'cpu0 is NUMA node 0, as is cpu1; each socket is a NUMA node of its own.',
            'cpu1 is NUMA node 0, as is cpu0; each socket is a NUMA node of its own.'
        ]);
        expect(found.every(d => d.severity === Severity.error)).toBe(true);
        expect(found[0].range.start).toEqual(within(text, 'numa 0  cores 0-7', 5));
        expect(found[1].range.start).toEqual(within(text, 'numa 0  cores 8-15', 5));
    });

    it('HOST003 says when the id comes from the socket\'s position (no numa written)', async () => {
        const text = hostWith('socket cpu0 { numa 0  cores', 'socket cpu0 { cores').replace('socket cpu1 { numa 1', 'socket cpu1 { numa 0');
        const found = withCode((await build(text)).diagnostics(), 'HOST003');
        expect(found[0].message).toBe('cpu0 is NUMA node 0 (cpu0 writes no `numa`: its position gives 0), as is cpu1; each socket is a NUMA node of its own.');
        expect(found[0].range.start).toEqual(at(text, 'cpu0'));
    });

    it('HOST003 does not fire for numa 0 and 1, nor for sockets without numa (positions 0 and 1)', async () => {
        expect((await build(HOST)).diagnostics()).toEqual([]);
        const text = hostWith('socket cpu0 { numa 0  cores', 'socket cpu0 { cores').replace('socket cpu1 { numa 1', 'socket cpu1 {');
        expect(withCode((await build(text)).diagnostics(), 'HOST003')).toEqual([]);
    });

    it('HOST004 fires on both sockets, with the shared CPUs as ranges', async () => {
        const text = hostWith('cores 8-15,24-31', 'cores 6-15,22-31');
        const found = withCode((await build(text)).diagnostics(), 'HOST004');
        expect(found.map(d => d.message)).toEqual([
            'cpu0 and cpu1 both list CPUs 6-7,22-23; a logical CPU belongs to exactly one socket and NUMA node.',
            'cpu1 and cpu0 both list CPUs 6-7,22-23; a logical CPU belongs to exactly one socket and NUMA node.'
        ]);
        expect(found[0].range.start).toEqual(at(text, '0-7,16-23'));
        expect(found[1].range.start).toEqual(at(text, '6-15,22-31'));
    });

    it('HOST004 handles the largest lists without expanding them, and does not fire for adjacent ranges', async () => {
        const big = `host b {
    socket s0 { numa 0 cores 0-4095 memory 64 GiB }
    socket s1 { numa 1 cores 4095-8191 memory 64 GiB }
}
`;
        expect(withCode((await build(big)).diagnostics(), 'HOST004').map(d => d.message)[0])
            .toBe('s0 and s1 both list CPU 4095; a logical CPU belongs to exactly one socket and NUMA node.');
        expect((await build(big.replace('4095-8191', '4096-8191'))).diagnostics()).toEqual([]);
    });
});

describe('HOST005: a device on the socket of its switch', () => {
    it('fires for a device whose on SOCKET contradicts its switch', async () => {
        const text = hostWith(GPU1, `${GPU1} on cpu1`);
        const found = withCode((await build(text)).diagnostics(), 'HOST005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].message).toBe('gpu1 is declared on cpu1 (NUMA 1), but its switch sw0 is on cpu0 (NUMA 0); a device behind a PCIe switch is attached where the switch is.');
        expect(found[0].range.start).toEqual(within(text, `${GPU1} on cpu1`, GPU1.length + 4));
    });

    it('fires for a nested switch, and names the switch a socket is inherited from', async () => {
        const text = hostWith(GPU1, `pcie-switch sw0a at 0000:14:00.0 {
            pcie-switch sw0b at 0000:15:00.0 on cpu1 { }
        }`);
        const found = withCode((await build(text)).diagnostics(), 'HOST005');
        expect(found.map(d => d.message)).toEqual([
            'sw0b is declared on cpu1 (NUMA 1), but its switch sw0a is on cpu0 (NUMA 0, inherited from sw0); a device behind a PCIe switch is attached where the switch is.'
        ]);
        expect(found[0].range.start).toEqual(within(text, 'sw0b at 0000:15:00.0 on cpu1', 'sw0b at 0000:15:00.0 on '.length));
    });

    it('fires when the switch names no socket (it is on the host\'s first socket)', async () => {
        const text = hostWith('pcie-switch sw1 at 0000:90:00.0 on cpu1 {', 'pcie-switch sw1 at 0000:90:00.0 {')
            .replace('gpu gpu2 "H200 SXM5 141GB" at 0000:91:00.0', 'gpu gpu2 "H200 SXM5 141GB" at 0000:91:00.0 on cpu1');
        const found = withCode((await build(text)).diagnostics(), 'HOST005');
        expect(found.map(d => d.message)).toEqual([
            'gpu2 is declared on cpu1 (NUMA 1), but its switch sw1 is on cpu0 (NUMA 0: no switch above it names a socket, so it is on h\'s first socket); a device behind a PCIe switch is attached where the switch is.'
        ]);
    });

    it('does not fire for an on SOCKET that repeats the switch\'s socket', async () => {
        const text = hostWith(GPU1, `${GPU1} on cpu0`);
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('HOST006: a device on a bus behind its switch', () => {
    it('warns for a device on its switch\'s own upstream bus, with the bus numbers', async () => {
        const text = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:10:05.0');
        const found = withCode((await build(text)).diagnostics(), 'HOST006');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].message).toBe('gpu1 at 0000:10:05.0 is on bus 0x10, the upstream bus of its switch sw0 (0000:10:00.0); the devices behind a switch are on buses numbered above its own (0x11 or more).');
        expect(found[0].range.start).toEqual(at(text, '0000:10:05.0'));
        expect(found[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(found[0].code))!));
    });

    it('warns for a bus below the switch\'s and for another PCI domain', async () => {
        const below = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:0f:00.0');
        expect(withCode((await build(below)).diagnostics(), 'HOST006').map(d => d.message)).toEqual([
            'gpu1 at 0000:0f:00.0 is on bus 0x0f, below bus 0x10 of its switch sw0 (0000:10:00.0); the devices behind a switch are on buses numbered above its own (0x11 or more).'
        ]);
        const domain = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0001:12:00.0');
        expect(withCode((await build(domain)).diagnostics(), 'HOST006').map(d => d.message)).toEqual([
            'gpu1 at 0001:12:00.0 is in PCI domain 0001, but its switch sw0 (0000:10:00.0) is in domain 0000; a switch reaches only buses of its own domain.'
        ]);
    });

    it('does not fire for the first bus above the switch, nor for a device outside any switch', async () => {
        const text = hostWith(GPU1, 'gpu gpu1 "H200 SXM5 141GB" at 0000:11:00.1')
            .replace('nic nic2 "ConnectX-7" at 0000:20:00.0', 'nic nic2 "ConnectX-7" at 0000:05:00.0');
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('HOST rules stay bounded on hostile hosts', () => {
    it('200 sockets with one CPU list and 200 NICs on one VF range: one diagnostic per socket, at most 4 per NIC, short messages', async () => {
        const sockets = Array.from({ length: 200 }, (_, i) => `    socket s${i} { numa 7 cores 0-8191 memory 1 GiB }`).join('\n');
        const nics = Array.from({ length: 200 }, (_, i) => `    nic n${i} "ConnectX-7" at 0000:00:00.${i % 8} on s0 vfs 100 vf-offset ${8 + i}`).join('\n');
        const text = `host big {\n${sockets}\n${nics}\n}\n`;
        const d = (await build(text)).diagnostics();
        expect(withCode(d, 'HOST003')).toHaveLength(200);
        expect(withCode(d, 'HOST004')).toHaveLength(200);
        expect(withCode(d, 'HOST004')[0].message).toBe('s0 and s1 both list CPUs 0-8191 (s0 also shares CPUs with s2 (0-8191), s3 (0-8191), more); a logical CPU belongs to exactly one socket and NUMA node.');
        expect(withCode(d, 'HOST003')[0].message).toBe('s0 is NUMA node 7, as are s1, s2, s3 and 196 more; each socket is a NUMA node of its own.');
        const host002 = withCode(d, 'HOST002');
        expect(host002.length).toBeLessThanOrEqual(4 * 200);
        expect(host002.filter(x => /^VF \d+ of n0 /.test(messageText(x)))).toHaveLength(3);
        expect(host002.find(x => /more VF addresses of n0 are taken as well\.$/.test(messageText(x)))).toBeDefined();
        expect(Math.max(...d.map(x => messageText(x).length))).toBeLessThan(400);
    });
});

describe('HOST001: relatedInformation', () => {
    it('HOST001 points at the other device', async () => {
        const text = HOST.replace('at 0000:12:00.0', 'at 0000:11:00.0') + vm('a', '    gpu gpu2 passthrough\n    nic nic1 passthrough', '8-9,24-25', '300 GiB on numa 1')
            + vm('b', '    vgpu gpu2 "H200X-141C"\n    nic nic1 vf 0\n    license nvaie', '10-11,26-27', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        const host1 = withCode(ds, 'HOST001');
        expect(host1.map(d => d.relatedInformation?.[0].message)).toEqual(['gpu1 at 0000:11:00.0', 'gpu0 at 0000:11:00.0']);
        expect(host1[0].relatedInformation?.[0].location.range.start).toEqual(at(text, '0000:11:00.0', 1));
    });
});
