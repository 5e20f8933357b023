/**
 * Shared topology text for the validation and code-action suites: one small dual-socket KVM host
 * (two PCIe switches, two H200s and one ConnectX-7 under each, one ConnectX-7 on socket 0 outside
 * the switches) and the same board as a VMware ESXi host. The VMs are written in each test.
 */
/**
 * `h`: NUMA 0 = CPUs 0-7 with SMT siblings 16-23, 256 GiB; NUMA 1 = CPUs 8-15 / 24-31, 256 GiB.
 * sw0 (NUMA 0): gpu0, gpu1, nic0 (4 VFs). sw1 (NUMA 1): gpu2, gpu3, nic1 (4 VFs).
 * nic2 hangs off socket 0 without a switch (NODE to gpu0/gpu1, SYS to gpu2/gpu3).
 */
export const HOST = `host h {
    platform kvm
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB }
    pcie-switch sw0 at 0000:10:00.0 on cpu0 {
        gpu gpu0 "H200 SXM5 141GB" at 0000:11:00.0
        gpu gpu1 "H200 SXM5 141GB" at 0000:12:00.0
        nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4
    }
    pcie-switch sw1 at 0000:90:00.0 on cpu1 {
        gpu gpu2 "H200 SXM5 141GB" at 0000:91:00.0
        gpu gpu3 "H200 SXM5 141GB" at 0000:92:00.0
        nic nic1 "ConnectX-7" at 0000:93:00.0 vfs 4
    }
    nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0
}
`;

/** `e`: the board of {@link HOST} under VMware ESXi. */
export const ESXI_HOST = HOST.replace('host h {', 'host e {').replace('platform kvm', 'platform esxi');

/**
 * Position (0-based line and character, as LSP ranges count) of the `nth` occurrence of `needle`
 * in `text`; throws when it is not there, so a test cannot pass on a typo.
 */
export function at(text: string, needle: string, nth = 0): { line: number; character: number } {
    let index = -1;
    for (let i = 0; i <= nth; i++) {
        index = text.indexOf(needle, index + 1);
        if (index < 0) throw new Error(`'${needle}' (occurrence ${nth}) is not in the text`);
    }
    const before = text.slice(0, index).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
}

/** LSP severities, by name. */
export const Severity = { error: 1, warning: 2, info: 3 } as const;

/**
 * `host` (the fixture host `h` or the ESXi host `e`) with one VM `a` on it: 2 vCPUs pinned to
 * 0,16, `memory` (GiB) on NUMA 0, licence nvaie, then `clauses` (one per line) and `extra`.
 */
export function vmWith(host: string, clauses: string, extra = '', memory = 16): string {
    const name = host.startsWith('host e') ? 'e' : 'h';
    return host + `
vm a on ${name} {
    vcpus 2 pin 0,16
    memory ${memory} GiB on numa 0
    license nvaie
${clauses.split('\n').map(l => `    ${l.trim()}`).join('\n')}
${extra}}
`;
}

/**
 * A VM `name` on {@link HOST} with 4 vCPUs pinned to `pin`, `memory` (with its NUMA binding), then
 * the clauses `body` (indented lines). The rules' tests of locality, NICs, SR-IOV and ownership.
 */
export const pinnedVm = (name: string, body: string, pin = '0-1,16-17', memory = '32 GiB on numa 0') => `
vm ${name} on h {
    vcpus 4 pin ${pin}
    memory ${memory}
${body}
}
`;

/** A VM `name` on {@link HOST} with 4 vCPUs pinned to `pin`, 32 GiB bound to NUMA `numa`, then `body`. */
export const vmOnNode = (name: string, body: string, pin = '0-1,16-17', numa = 0) => `
vm ${name} on h {
    vcpus 4 pin ${pin}
    memory 32 GiB on numa ${numa}
${body}
}
`;

/**
 * {@link HOST} with two names for one GPU (gpu1 at gpu0's address 0000:11:00.0) and nic3 at the
 * address of VF 1 of nic0 (0000:13:00.2): ownership by PCI address (GEN001, SRIOV003).
 */
export const ALIASES = HOST
    .replace('gpu gpu1 "H200 SXM5 141GB" at 0000:12:00.0', 'gpu gpu1 "H200 SXM5 141GB" at 0000:11:00.0')
    .replace('nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0', 'nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0\n    nic nic3 "ConnectX-7" at 0000:13:00.2 on cpu0');

/** A one-vCPU VM `name` on {@link HOST} pinned to CPU `cpu`, 8 GiB on NUMA 0, then `lines` (each ending in a newline). */
export const vmOnCpu = (name: string, cpu: number, lines: string) => `vm ${name} on h {\n    vcpus 1 pin ${cpu}\n    memory 8 GiB on numa 0\n${lines}}\n`;
