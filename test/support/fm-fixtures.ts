/** Topology text for the Fabric Manager suites (test/rules/fm.test.ts: the FM checks and their quick-fixes). */

/**
 * `h`: shared-NVSwitch HGX H100. NUMA 0 (CPUs 0-7/16-23): sw0 = modules 1, 3; sw1 = modules 2, 4.
 * NUMA 1 (CPUs 8-15/24-31): sw2 = modules 5, 7; sw3 = modules 6, 8. Four NVSwitches s0-s3.
 */
export const HGX = `host h {
    platform kvm
    fabric-manager shared-nvswitch
    socket cpu0 { numa 0  cores 0-7,16-23   memory 256 GiB }
    socket cpu1 { numa 1  cores 8-15,24-31  memory 256 GiB }
    pcie-switch sw0 at 0000:10:00.0 on cpu0 {
        gpu g1 "H100 SXM5 80GB" at 0000:11:00.0 module 1
        gpu g3 "H100 SXM5 80GB" at 0000:12:00.0 module 3
    }
    pcie-switch sw1 at 0000:20:00.0 on cpu0 {
        gpu g2 "H100 SXM5 80GB" at 0000:21:00.0 module 2
        gpu g4 "H100 SXM5 80GB" at 0000:22:00.0 module 4
    }
    pcie-switch sw2 at 0000:90:00.0 on cpu1 {
        gpu g5 "H100 SXM5 80GB" at 0000:91:00.0 module 5
        gpu g7 "H100 SXM5 80GB" at 0000:92:00.0 module 7
    }
    pcie-switch sw3 at 0000:a0:00.0 on cpu1 {
        gpu g6 "H100 SXM5 80GB" at 0000:a1:00.0 module 6
        gpu g8 "H100 SXM5 80GB" at 0000:a2:00.0 module 8
    }
    nvswitch s0 at 0000:03:00.0 on cpu0
    nvswitch s1 at 0000:04:00.0 on cpu0
    nvswitch s2 at 0000:05:00.0 on cpu0
    nvswitch s3 at 0000:06:00.0 on cpu0
}
`;

/** The service VM of {@link HGX}, owning all four NVSwitches. */
export const SERVICE = `
vm svc on h {
    vcpus 2 pin 7,23
    memory 8 GiB on numa 0
    fabric-manager service version "550.54.15"
    nvswitch s0, s1, s2, s3 passthrough
}
`;
