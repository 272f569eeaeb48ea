//! XDP (link and netlink), tcx and TC-over-netlink against the real kernel, inside two
//! network namespaces joined by a veth pair that each test creates and removes. UDP
//! datagrams sent from namespace a to b are counted on b's veth by hand-assembled
//! programs.

mod attachutil;
mod sysutil;

use attachutil::*;
use rbpf_core::attach::tc::{self, RBPF_TC_EGRESS, RBPF_TC_F_REPLACE, RBPF_TC_INGRESS};
use rbpf_core::attach::{self, LinkKind};
use rbpf_core::obj::Insn;
use rbpf_core::opts::{TcHook, TcOpts, TcxOpts, XdpAttachOpts};
use rbpf_core::sys;
use rbpf_core::uapi::*;
use std::os::fd::{AsRawFd, OwnedFd};
use sysutil::*;

fn ready(name: &str) -> Option<VethPair> {
    if !need_bpf(name) {
        return None;
    }
    if !have_netns() {
        skip(name, "`ip netns` is not available");
        return None;
    }
    match VethPair::new("net") {
        Ok(p) => Some(p),
        Err(e) => {
            skip(name, &format!("cannot create namespaces / veth: {e}"));
            None
        }
    }
}

fn ldx(size: u8, dst: u8, src: u8, off: i16) -> Insn {
    ins(BPF_LDX | BPF_MEM | size, dst, src, off, 0)
}

/// Count IPv4/UDP packets in map[0] (`data`/`data_end` at the context offsets given),
/// with `op` applied to the slot: None = += 1, Some(tag) = slot*10 + tag. Returns `ret`.
fn packet_prog(map_fd: i32, data_off: i16, end_off: i16, tag: Option<i32>, ret: i32) -> Vec<Insn> {
    let mut body = vec![st_w(R10, -4, 0), mov64_reg(R2, R10), add64_imm(R2, -4)];
    body.extend(ld_map_fd(R1, map_fd));
    body.extend([call(HELPER_MAP_LOOKUP), jeq_imm(R0, 0, if tag.is_some() { 4 } else { 2 })]);
    match tag {
        None => body.extend([mov64_imm(R1, 1), atomic_add_dw(R0, R1, 0)]),
        Some(t) => body.extend([
            ldx(BPF_DW, R1, R0, 0),
            ins(BPF_ALU64 | 0x20 | BPF_K, R1, 0, 0, 10), // r1 *= 10
            add64_imm(R1, t),
            stx_dw(R0, R1, 0),
        ]),
    }
    let n = body.len() as i16;
    let mut v = vec![
        ldx(BPF_W, R2, R1, data_off),
        ldx(BPF_W, R3, R1, end_off),
        mov64_reg(R4, R2),
        add64_imm(R4, 34),
        ins(BPF_JMP | 0x20 | BPF_X, R4, R3, 4 + n, 0), // if r4 > r3 goto out
        ldx(BPF_H, R4, R2, 12),
        jne_imm(R4, 0x0008, 2 + n), // ETH_P_IP, big-endian
        ldx(BPF_B, R4, R2, 23),
        jne_imm(R4, 17, n), // IPPROTO_UDP
    ];
    v.extend(body);
    v.extend([mov64_imm(R0, ret), exit()]);
    v
}

fn load_prog(prog_type: u32, eat: u32, insns: &[Insn]) -> OwnedFd {
    sys::prog_load(&sys::ProgLoadAttr { prog_type, name: "count_pkts", insns, license: "GPL", expected_attach_type: eat, ..Default::default() })
        .unwrap_or_else(|e| panic!("load: {e}\n{}", e.verifier_log().unwrap_or("")))
}

fn xdp_prog(map_fd: i32) -> OwnedFd {
    load_prog(BPF_PROG_TYPE_XDP, BPF_XDP, &packet_prog(map_fd, 0, 4, None, XDP_PASS as i32))
}

/// __sk_buff.data at 76, data_end at 80; -1 = TC_ACT_UNSPEC / TCX_NEXT (continue).
fn tc_prog(map_fd: i32, tag: Option<i32>, eat: u32) -> OwnedFd {
    load_prog(BPF_PROG_TYPE_SCHED_CLS, eat, &packet_prog(map_fd, 76, 80, tag, -1))
}

fn prog_id(fd: &OwnedFd) -> u32 {
    sys::prog_info(fd.as_raw_fd()).unwrap().id
}

fn slot0(map: &OwnedFd) -> u64 {
    array_u64(map.as_raw_fd(), 0)
}

fn reset(map: &OwnedFd) {
    sys::map_update_elem(map.as_raw_fd(), &0u32.to_ne_bytes(), &0u64.to_ne_bytes(), 0).unwrap();
}

fn ifindex_in(ns: &str, dev: &str) -> i32 {
    let dev = dev.to_string();
    VethPair::in_ns(ns, move || sys::netlink::if_nametoindex(&dev).unwrap())
}

#[test]
fn xdp_link_counts_packets_and_refuses_a_second_program() {
    let Some(net) = ready("xdp_link_counts_packets_and_refuses_a_second_program") else { return };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = xdp_prog(map.as_raw_fd());
    let ifindex = ifindex_in(&net.ns_b, &net.dev_b);
    let pfd = prog.as_raw_fd();
    let mut link = VethPair::in_ns(&net.ns_b, move || attach::attach_xdp(pfd, ifindex, 0).unwrap());
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_XDP);
    // Warm up ARP, then count exactly.
    net.send_udp(1);
    reset(&map);
    net.send_udp(5);
    assert_eq!(slot0(&map), 5);

    let id = prog_id(&prog);
    let (q, e1, e2) = VethPair::in_ns(&net.ns_b, move || {
        let q = attach::xdp_query(ifindex, 0).unwrap();
        let e1 = attach::attach_xdp(pfd, ifindex, 0).unwrap_err();
        let e2 = attach::xdp_attach(ifindex, pfd, 0, &XdpAttachOpts::default()).unwrap_err();
        (q, e1, e2)
    });
    assert_eq!(q.prog_id, id);
    assert_ne!(q.attach_mode, XDP_ATTACHED_NONE);
    // veth implements NETDEV_XDP_ACT_BASIC (bit 0) at least.
    assert_ne!(q.feature_flags & 1, 0, "veth XDP features: {:#x}", q.feature_flags);
    for e in [e1, e2] {
        assert!(e.errno() == libc::EBUSY || e.errno() == libc::EEXIST, "{e}");
        assert!(e.message().contains("already has an XDP program"), "{e}");
        assert!(e.message().contains(&format!("program id {id}")), "{e}");
    }

    link.detach().unwrap();
    settle();
    net.send_udp(3);
    assert_eq!(slot0(&map), 5, "no counting after detach");
    let q = VethPair::in_ns(&net.ns_b, move || attach::xdp_query(ifindex, 0).unwrap());
    assert_eq!((q.prog_id, q.attach_mode), (0, XDP_ATTACHED_NONE));
}

#[test]
fn xdp_netlink_attach_query_replace_detach() {
    let Some(net) = ready("xdp_netlink_attach_query_replace_detach") else { return };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = xdp_prog(map.as_raw_fd());
    let prog2 = xdp_prog(map.as_raw_fd());
    let (p1, p2) = (prog.as_raw_fd(), prog2.as_raw_fd());
    let (id1, id2) = (prog_id(&prog), prog_id(&prog2));
    let ifindex = ifindex_in(&net.ns_b, &net.dev_b);
    let q = VethPair::in_ns(&net.ns_b, move || {
        attach::xdp_attach(ifindex, p1, XDP_FLAGS_SKB_MODE, &XdpAttachOpts::default()).unwrap();
        attach::xdp_query(ifindex, 0).unwrap()
    });
    assert_eq!((q.attach_mode, q.skb_prog_id, q.prog_id), (XDP_ATTACHED_SKB, id1, id1));
    net.send_udp(1);
    reset(&map);
    net.send_udp(4);
    assert_eq!(slot0(&map), 4);

    let (e, q) = VethPair::in_ns(&net.ns_b, move || {
        // "only if none is attached" fails clearly.
        let e = attach::xdp_attach(ifindex, p2, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, &XdpAttachOpts::default()).unwrap_err();
        // Replace by expected old program.
        let mut o = XdpAttachOpts::default();
        o.old_prog_fd = p1;
        attach::xdp_attach(ifindex, p2, XDP_FLAGS_SKB_MODE, &o).unwrap();
        let q = attach::xdp_query(ifindex, 0).unwrap();
        assert_eq!(attach::xdp_query_id(ifindex, XDP_FLAGS_SKB_MODE).unwrap(), id2);
        attach::xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, &XdpAttachOpts::default()).unwrap();
        (e, q)
    });
    assert!(e.errno() == libc::EBUSY || e.errno() == libc::EEXIST, "{e}");
    assert!(e.message().contains("already has an XDP program"), "{e}");
    assert_eq!(q.skb_prog_id, id2);
    let q = VethPair::in_ns(&net.ns_b, move || attach::xdp_query(ifindex, 0).unwrap());
    assert_eq!(q.attach_mode, XDP_ATTACHED_NONE);
    // Driver (native) mode: veth has it.
    let q = VethPair::in_ns(&net.ns_b, move || {
        attach::xdp_attach(ifindex, p1, XDP_FLAGS_DRV_MODE, &XdpAttachOpts::default()).unwrap();
        let q = attach::xdp_query(ifindex, 0).unwrap();
        attach::xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, &XdpAttachOpts::default()).unwrap();
        q
    });
    assert_eq!((q.attach_mode, q.drv_prog_id, q.skb_prog_id), (XDP_ATTACHED_DRV, id1, 0));
    // Bad input.
    assert_eq!(attach::xdp_attach(0, p1, 0, &XdpAttachOpts::default()).unwrap_err().errno(), libc::EINVAL);
    assert_eq!(attach::attach_xdp(p1, 1, XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn tcx_links_count_and_order() {
    let Some(net) = ready("tcx_links_count_and_order") else { return };
    if !attach::tcx::have_tcx() {
        skip("tcx_links_count_and_order", "this kernel has no tcx links");
        return;
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let a = tc_prog(map.as_raw_fd(), Some(1), BPF_TCX_INGRESS);
    let b = tc_prog(map.as_raw_fd(), Some(2), BPF_TCX_INGRESS);
    let c = tc_prog(map.as_raw_fd(), Some(3), BPF_TCX_INGRESS);
    let (fa, fb, fc) = (a.as_raw_fd(), b.as_raw_fd(), c.as_raw_fd());
    let ida = prog_id(&a);
    let ifindex = ifindex_in(&net.ns_b, &net.dev_b);
    let (la, lb, lc, stale) = VethPair::in_ns(&net.ns_b, move || {
        let la = attach::attach_tcx(fa, ifindex, BPF_TCX_INGRESS, &TcxOpts::default()).unwrap();
        // b before a (by fd), c after a (by id).
        let mut o = TcxOpts::default();
        o.flags = BPF_F_BEFORE;
        o.relative_fd = fa as u32;
        let lb = attach::attach_tcx(fb, ifindex, BPF_TCX_INGRESS, &o).unwrap();
        let mut o = TcxOpts::default();
        o.flags = BPF_F_AFTER;
        o.relative_id = ida;
        let lc = attach::attach_tcx(fc, ifindex, BPF_TCX_INGRESS, &o).unwrap();
        let mut o = TcxOpts::default();
        o.expected_revision = 1;
        let stale = attach::attach_tcx(fa, ifindex, BPF_TCX_INGRESS, &o).unwrap_err();
        (la, lb, lc, stale)
    });
    assert_eq!(stale.errno(), libc::ESTALE, "{stale}");
    assert!(stale.message().contains("tcx ingress"), "{stale}");
    assert_eq!(la.info().unwrap().link_type, BPF_LINK_TYPE_TCX);
    net.send_udp(1);
    reset(&map);
    net.send_udp(1);
    assert_eq!(slot0(&map), 213, "order b, a, c");
    drop((la, lb, lc));
    settle();
    reset(&map);
    net.send_udp(2);
    assert_eq!(slot0(&map), 0);
    // Mutually exclusive relative fd and id.
    let mut o = TcxOpts::default();
    o.relative_fd = 5;
    o.relative_id = 5;
    assert_eq!(attach::attach_tcx(fa, 1, BPF_TCX_INGRESS, &o).unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn tc_netlink_hook_attach_query_detach() {
    let Some(net) = ready("tc_netlink_hook_attach_query_detach") else { return };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = tc_prog(map.as_raw_fd(), None, 0);
    let pfd = prog.as_raw_fd();
    let id = prog_id(&prog);
    let ifindex = ifindex_in(&net.ns_b, &net.dev_b);
    let (opts, exists) = VethPair::in_ns(&net.ns_b, move || {
        let mut hook = TcHook::default();
        hook.ifindex = ifindex;
        hook.attach_point = RBPF_TC_INGRESS;
        tc::tc_hook_create(&hook).unwrap();
        let exists = tc::tc_hook_create(&hook).unwrap_err();
        let mut o = TcOpts::default();
        o.prog_fd = pfd;
        tc::tc_attach(&hook, &mut o).unwrap();
        (o, exists)
    });
    assert_eq!(exists.errno(), libc::EEXIST, "{exists}");
    assert_eq!(opts.prog_id, id);
    assert!(opts.handle != 0 && opts.priority != 0, "kernel-chosen handle/priority reported: {opts:?}");
    net.send_udp(1);
    reset(&map);
    net.send_udp(4);
    assert_eq!(slot0(&map), 4);

    let (h, p) = (opts.handle, opts.priority);
    VethPair::in_ns(&net.ns_b, move || {
        let mut hook = TcHook::default();
        hook.ifindex = ifindex;
        hook.attach_point = RBPF_TC_INGRESS;
        // Same handle/priority without REPLACE: EEXIST; with it: fine.
        let mut o = TcOpts::default();
        o.prog_fd = pfd;
        o.handle = h;
        o.priority = p;
        assert_eq!(tc::tc_attach(&hook, &mut o.clone()).unwrap_err().errno(), libc::EEXIST);
        o.flags = RBPF_TC_F_REPLACE;
        tc::tc_attach(&hook, &mut o).unwrap();
        let mut q = TcOpts::default();
        q.handle = h;
        q.priority = p;
        tc::tc_query(&hook, &mut q).unwrap();
        assert_eq!(q.prog_id, id);
        tc::tc_detach(&hook, &q.clone()).unwrap_err(); // prog_id set: EINVAL
        q.prog_id = 0;
        tc::tc_detach(&hook, &q).unwrap();
        // The kernel says ENOENT, or EINVAL once the emptied chain is gone (as libbpf).
        let e = tc::tc_query(&hook, &mut q).unwrap_err();
        assert!(e.errno() == libc::ENOENT || e.errno() == libc::EINVAL, "{e}");
        // Egress hook on the same qdisc, then destroy everything.
        hook.attach_point = RBPF_TC_EGRESS;
        let mut o = TcOpts::default();
        o.prog_fd = pfd;
        o.handle = 7;
        o.priority = 3;
        tc::tc_attach(&hook, &mut o).unwrap();
        assert_eq!((o.handle, o.priority), (7, 3));
        hook.attach_point = RBPF_TC_INGRESS | RBPF_TC_EGRESS;
        tc::tc_hook_destroy(&hook).unwrap();
        hook.attach_point = RBPF_TC_EGRESS;
        let mut q = TcOpts::default();
        q.handle = 7;
        q.priority = 3;
        assert!(tc::tc_query(&hook, &mut q).is_err(), "qdisc and filters gone");
    });
    reset(&map);
    net.send_udp(2);
    assert_eq!(slot0(&map), 0);
}

/// Whether `dev` in `ns` has a clsact qdisc: creating one says EEXIST (one we create
/// is removed again).
fn has_clsact(ns: &str, dev: &str) -> bool {
    let dev = dev.to_string();
    VethPair::in_ns(ns, move || {
        let mut hook = TcHook::default();
        hook.ifindex = sys::netlink::if_nametoindex(&dev).unwrap();
        hook.attach_point = RBPF_TC_INGRESS | RBPF_TC_EGRESS;
        match tc::tc_hook_create(&hook) {
            Ok(()) => {
                tc::tc_hook_destroy(&hook).unwrap();
                false
            }
            Err(e) if e.errno() == libc::EEXIST => true,
            Err(e) => panic!("{e}"),
        }
    })
}

#[test]
fn tc_link_removes_filter_and_its_qdisc() {
    let Some(net) = ready("tc_link_removes_filter_and_its_qdisc") else { return };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = tc_prog(map.as_raw_fd(), None, 0);
    let pfd = prog.as_raw_fd();
    let ifindex = ifindex_in(&net.ns_b, &net.dev_b);
    // Created the qdisc: detach removes it.
    let mut link = VethPair::in_ns(&net.ns_b, move || attach::attach_tc(pfd, ifindex, RBPF_TC_INGRESS, 0, 0).unwrap());
    assert_eq!(link.kind(), LinkKind::Custom);
    assert!(has_clsact(&net.ns_b, &net.dev_b));
    net.send_udp(1);
    reset(&map);
    net.send_udp(3);
    assert_eq!(slot0(&map), 3);
    link.detach().unwrap();
    assert!(link.is_detached());
    assert!(!has_clsact(&net.ns_b, &net.dev_b), "the qdisc this link created is gone");
    net.send_udp(2);
    assert_eq!(slot0(&map), 3);
    // An existing clsact is tolerated and kept.
    let mut hook = TcHook::default();
    hook.ifindex = ifindex;
    hook.attach_point = RBPF_TC_INGRESS;
    VethPair::in_ns(&net.ns_b, move || tc::tc_hook_create(&hook).unwrap());
    let link = VethPair::in_ns(&net.ns_b, move || attach::attach_tc(pfd, ifindex, RBPF_TC_INGRESS, 5, 9).unwrap());
    assert!(link.target().contains("handle 9, priority 5"), "{}", link.target());
    drop(link);
    assert!(has_clsact(&net.ns_b, &net.dev_b), "a pre-existing qdisc stays");
    // The automatic choice: tcx when the kernel has it.
    let link = VethPair::in_ns(&net.ns_b, move || attach::attach_tc_auto(pfd, ifindex, RBPF_TC_INGRESS));
    match link {
        Ok(l) => assert_eq!(l.kind(), if attach::tcx::have_tcx() { LinkKind::Fd } else { LinkKind::Custom }),
        // A program loaded without a tcx expected attach type is still accepted by tcx.
        Err(e) => panic!("attach_tc_auto: {e}"),
    }
}

#[test]
fn xdp_link_pin_update_and_reopen() {
    let name = "xdp_link_pin_update_and_reopen";
    let Some(net) = ready(name) else { return };
    if !ensure_bpffs() {
        return skip(name, "bpffs is not mounted and mounting failed");
    }
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let map2 = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let prog = xdp_prog(map.as_raw_fd());
    let prog2 = xdp_prog(map2.as_raw_fd());
    let (pfd, id2) = (prog.as_raw_fd(), prog_id(&prog2));
    let ifindex = ifindex_in(&net.ns_b, &net.dev_b);
    let mut link = VethPair::in_ns(&net.ns_b, move || attach::attach_xdp(pfd, ifindex, XDP_FLAGS_SKB_MODE).unwrap());
    // Swap the program under the link.
    link.update_program(prog2.as_raw_fd()).unwrap();
    net.send_udp(1);
    reset(&map2);
    net.send_udp(2);
    assert_eq!((slot0(&map), slot0(&map2)), (0, 2));
    // A pinned link outlives its handle.
    let pin = format!("/sys/fs/bpf/{}", unique("xdp_link"));
    link.pin(&pin).unwrap();
    drop(link);
    settle();
    let q = VethPair::in_ns(&net.ns_b, move || attach::xdp_query(ifindex, 0).unwrap());
    assert_eq!((q.attach_mode, q.skb_prog_id), (XDP_ATTACHED_SKB, id2));
    let mut again = rbpf_core::Link::open_pinned(&pin).unwrap();
    assert_eq!(again.info().unwrap().link_type, BPF_LINK_TYPE_XDP);
    again.unpin().unwrap();
    assert!(!std::path::Path::new(&pin).exists());
    again.detach().unwrap();
    settle();
    let q = VethPair::in_ns(&net.ns_b, move || attach::xdp_query(ifindex, 0).unwrap());
    assert_eq!(q.attach_mode, XDP_ATTACHED_NONE);
}

#[test]
fn netfilter_link_counts_local_in() {
    let name = "netfilter_link_counts_local_in";
    let Some(net) = ready(name) else { return };
    let map = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    let mut v = add_to_slot0(map.as_raw_fd(), 1);
    v.extend([mov64_imm(R0, 1 /* NF_ACCEPT */), exit()]);
    let prog = match sys::prog_load(&sys::ProgLoadAttr { prog_type: BPF_PROG_TYPE_NETFILTER, name: "nf", insns: &v, license: "GPL", expected_attach_type: BPF_NETFILTER, ..Default::default() }) {
        Ok(p) => p,
        Err(e) => return skip(name, &format!("netfilter programs unavailable: {e}")),
    };
    let pfd = prog.as_raw_fd();
    let mut o = rbpf_core::opts::NetfilterOpts::default();
    o.pf = 2; // NFPROTO_IPV4
    o.hooknum = 1; // NF_INET_LOCAL_IN
    o.priority = -128;
    let mut link = VethPair::in_ns(&net.ns_b, move || attach::attach_netfilter(pfd, &o).unwrap());
    assert_eq!(link.info().unwrap().link_type, BPF_LINK_TYPE_NETFILTER);
    net.send_udp(1);
    reset(&map);
    net.send_udp(3);
    assert_eq!(slot0(&map), 3);
    link.detach().unwrap();
    settle();
    net.send_udp(2);
    assert_eq!(slot0(&map), 3);
}
