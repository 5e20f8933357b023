/**
 * A fixed topology for the editor-feature tests (symbols, semantic tokens, code lens, catalog
 * hover): a cut-down HGX H200 host in the style of examples/hgx-h200.vmtopo, kept here so that those
 * tests do not change with the example. The shipped examples are covered by the formatter corpus
 * and by the completion test of a vGPU type.
 */
export const EDITOR_HGX = `/** HGX H200, four of its switches. */
host sprocket {
    platform kvm
    cpu "Xeon Platinum 8592+"
    socket cpu0 { numa 0  cores 0-63,128-191   memory 1024 GiB }
    socket cpu1 { numa 1  cores 64-127,192-255 memory 1024 GiB }

    pcie-switch sw0 at 0000:16:00.0 on cpu0 link 32 GT/s x16 {
        gpu gpu0 "H200 SXM5 141GB" at 0000:19:00.0 module 5
        nic mlx5_3 "ConnectX-7" at 0000:1a:00.0 speed 400 Gb/s
    }
    pcie-switch sw1 at 0000:38:00.0 on cpu0 link 32 GT/s x16 {
        gpu gpu1 "H200 SXM5 141GB" at 0000:3b:00.0 module 7
        nic mlx5_5 "ConnectX-7" at 0000:3c:00.0 speed 400 Gb/s
    }
    pcie-switch sw6 at 0000:c8:00.0 on cpu1 link 32 GT/s x16 {
        gpu gpu6 "H200 SXM5 141GB" at 0000:cb:00.0 module 2
        nic mlx5_8 "ConnectX-7" at 0000:cc:00.0 speed 400 Gb/s vfs 8
    }
    pcie-switch sw7 at 0000:d8:00.0 on cpu1 link 32 GT/s x16 {
        gpu gpu7 "H200 SXM5 141GB" at 0000:db:00.0 module 4
        nic mlx5_6 "ConnectX-7" at 0000:dc:00.0 speed 400 Gb/s
    }
    nvswitch nvs0 at 0000:03:00.0 on cpu0
    nvswitch nvs1 at 0000:04:00.0 on cpu0
}

vm train-a on sprocket {
    vcpus 32 pin 8-23,136-151          // both SMT threads, NUMA 0
    memory 256 GiB on numa 0 hugepages 1 GiB
    gpu gpu0, gpu1 passthrough
    nic mlx5_3, mlx5_5 passthrough
    mmio 1024 GiB                      // 2 x 512 GiB per H200
}

vm tenant-c on sprocket {
    vcpus 8 pin 88-91,216-219
    memory 64 GiB on numa 1
    vgpu gpu6 "H200X-1-18C"
    nic mlx5_8 vf 0
    license nvaie
}

vm tenant-d on sprocket {
    vcpus 8 pin 92-95,220-223
    memory 64 GiB on numa 1
    mig gpu6 "1g.18gb"
    nic mlx5_8 vf 1
    license nvaie
}
`;
