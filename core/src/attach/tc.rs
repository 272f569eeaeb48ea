//! TC over netlink (for kernels without tcx, and for users who want cls_bpf): the clsact
//! qdisc and direct-action cls_bpf filters, as libbpf's `bpf_tc_hook_create/destroy`,
//! `bpf_tc_attach/detach/query`; plus [`attach_tc`], a Link that removes its filter and,
//! if it created it, the clsact qdisc.

use super::{Link, LinkDetach};
use crate::opts::{TcHook, TcOpts};
use crate::sys::netlink::{self as nl, NlMsg, NlSocket};
use crate::uapi::*;
use crate::{Error, Result};
use std::os::fd::RawFd;

/// libbpf's `enum bpf_tc_attach_point`.
pub const RBPF_TC_INGRESS: u32 = 1 << 0;
pub const RBPF_TC_EGRESS: u32 = 1 << 1;
pub const RBPF_TC_CUSTOM: u32 = 1 << 2;
pub const RBPF_TC_QDISC: u32 = 1 << 3;
/// libbpf's `BPF_TC_F_REPLACE`.
pub const RBPF_TC_F_REPLACE: u32 = 1 << 0;

const TC_H_CLSACT: u32 = 0xFFFF_FFF1;
pub const TC_H_MIN_INGRESS: u32 = 0xFFF2;
pub const TC_H_MIN_EGRESS: u32 = 0xFFF3;
const ETH_P_ALL: u16 = 0x0003;

/// libbpf's `TC_H_MAKE` / `BPF_TC_PARENT(a, b)`.
pub const fn tc_h_make(maj: u32, min: u32) -> u32 {
    (maj & 0xFFFF_0000) | (min & 0x0000_FFFF)
}

fn point_name(p: u32) -> &'static str {
    match p {
        RBPF_TC_INGRESS => "ingress",
        RBPF_TC_EGRESS => "egress",
        RBPF_TC_CUSTOM => "custom",
        x if x == RBPF_TC_INGRESS | RBPF_TC_EGRESS => "ingress+egress",
        RBPF_TC_QDISC => "qdisc",
        _ => "invalid",
    }
}

fn einval(msg: impl Into<String>) -> Error {
    Error::new(libc::EINVAL, msg.into())
}

fn qdisc_modify(hook: &TcHook, cmd: u16, flags: u16) -> Result<()> {
    let (parent, handle, kind) = match hook.attach_point {
        RBPF_TC_QDISC => (hook.parent, hook.handle, hook.qdisc.clone().unwrap_or_else(|| "clsact".into())),
        RBPF_TC_CUSTOM => return Err(Error::new(libc::EOPNOTSUPP, "custom attach point has no qdisc to create or destroy")),
        _ => (TC_H_CLSACT, tc_h_make(TC_H_CLSACT, 0), "clsact".to_string()),
    };
    let mut m = NlMsg::new(cmd, nl::NLM_F_REQUEST | nl::NLM_F_ACK | flags, &nl::tcmsg(hook.ifindex, handle, parent, 0));
    m.attr_str(nl::TCA_KIND, &kind);
    NlSocket::route()?.request(&mut m).map(|_| ())
}

fn check_hook(hook: &TcHook) -> Result<()> {
    if hook.ifindex <= 0 {
        return Err(einval(format!("invalid ifindex {}", hook.ifindex)));
    }
    Ok(())
}

/// libbpf's `bpf_tc_hook_create`: create the clsact qdisc (or `hook.qdisc` for
/// RBPF_TC_QDISC). An existing one gives EEXIST, which callers usually tolerate.
pub fn tc_hook_create(hook: &TcHook) -> Result<()> {
    let ctx = |e: Error| Error::new(e.errno(), format!("failed to create TC hook on ifindex {}: {}", hook.ifindex, e.message()));
    check_hook(hook).map_err(ctx)?;
    if hook.attach_point & !(RBPF_TC_INGRESS | RBPF_TC_EGRESS | RBPF_TC_QDISC | RBPF_TC_CUSTOM) != 0 || hook.attach_point == 0 {
        return Err(ctx(einval(format!("invalid attach point {}", hook.attach_point))));
    }
    qdisc_modify(hook, nl::RTM_NEWQDISC, nl::NLM_F_CREATE | nl::NLM_F_EXCL).map_err(ctx)
}

/// libbpf's `bpf_tc_hook_destroy`: INGRESS|EGRESS (or QDISC) deletes the qdisc; a single
/// direction removes all of its filters; CUSTOM is EOPNOTSUPP.
pub fn tc_hook_destroy(hook: &TcHook) -> Result<()> {
    let ctx = |e: Error| Error::new(e.errno(), format!("failed to destroy TC hook {} on ifindex {}: {}", point_name(hook.attach_point), hook.ifindex, e.message()));
    check_hook(hook).map_err(ctx)?;
    match hook.attach_point {
        p if p == RBPF_TC_INGRESS | RBPF_TC_EGRESS || p == RBPF_TC_QDISC => qdisc_modify(hook, nl::RTM_DELQDISC, 0).map_err(ctx),
        RBPF_TC_INGRESS | RBPF_TC_EGRESS => filter_delete(hook, 0, 0, true).map_err(ctx),
        RBPF_TC_CUSTOM => Err(ctx(Error::new(libc::EOPNOTSUPP, "custom attach point"))),
        p => Err(ctx(einval(format!("invalid attach point {p}")))),
    }
}

fn parent_of(hook: &TcHook) -> Result<u32> {
    match hook.attach_point {
        RBPF_TC_INGRESS => Ok(tc_h_make(TC_H_CLSACT, TC_H_MIN_INGRESS)),
        RBPF_TC_EGRESS => Ok(tc_h_make(TC_H_CLSACT, TC_H_MIN_EGRESS)),
        RBPF_TC_CUSTOM if hook.parent != 0 => Ok(hook.parent),
        RBPF_TC_CUSTOM => Err(einval("custom attach point needs a parent")),
        p => Err(einval(format!("invalid attach point {p} for a filter (one of RBPF_TC_INGRESS, RBPF_TC_EGRESS, RBPF_TC_CUSTOM)"))),
    }
}

fn info(priority: u32) -> u32 {
    tc_h_make(priority << 16, ETH_P_ALL.to_be() as u32)
}

/// Fill handle / priority / prog_id from an RTM_NEWTFILTER reply.
fn parse_filter(r: &nl::NlReply, out: &mut TcOpts) -> bool {
    let p = &r.payload;
    if r.msg_type != nl::RTM_NEWTFILTER || p.len() < 20 {
        return false;
    }
    let u = |o: usize| u32::from_ne_bytes([p[o], p[o + 1], p[o + 2], p[o + 3]]);
    let mut kind_ok = false;
    let mut id = 0;
    for (t, d) in nl::attrs(&p[20..]) {
        match t {
            nl::TCA_KIND => kind_ok = crate::sys::name_from_bytes(d) == "bpf",
            nl::TCA_OPTIONS => {
                for (t2, d2) in nl::attrs(d) {
                    if t2 == nl::TCA_BPF_ID {
                        id = nl::attr_u32(d2).unwrap_or(0);
                    }
                }
            }
            _ => {}
        }
    }
    if !kind_ok {
        return false;
    }
    out.handle = u(8);
    out.priority = u(16) >> 16;
    out.prog_id = id;
    true
}

/// libbpf's `bpf_tc_attach`: a direct-action cls_bpf filter running `opts.prog_fd`.
/// handle / priority 0 let the kernel choose; the chosen values and the program id are
/// written back to `opts`. Without RBPF_TC_F_REPLACE an existing filter is EEXIST.
pub fn tc_attach(hook: &TcHook, opts: &mut TcOpts) -> Result<()> {
    let ctx = |e: Error| Error::new(e.errno(), format!("failed to attach TC program on ifindex {} {}: {}", hook.ifindex, point_name(hook.attach_point), e.message()));
    check_hook(hook).map_err(ctx)?;
    if opts.prog_fd <= 0 || opts.prog_id != 0 || opts.flags & !RBPF_TC_F_REPLACE != 0 {
        return Err(ctx(einval("need prog_fd > 0, prog_id 0 and flags 0 or RBPF_TC_F_REPLACE")));
    }
    if opts.priority > u16::MAX as u32 {
        return Err(ctx(einval(format!("priority {} is above 65535", opts.priority))));
    }
    if opts.flags & RBPF_TC_F_REPLACE != 0 && (opts.handle == 0 || opts.priority == 0) {
        return Err(ctx(einval("RBPF_TC_F_REPLACE needs handle and priority")));
    }
    let parent = parent_of(hook).map_err(ctx)?;
    let prog = crate::sys::prog_info(opts.prog_fd).map_err(ctx)?;
    let excl = if opts.flags & RBPF_TC_F_REPLACE != 0 { nl::NLM_F_REPLACE } else { nl::NLM_F_EXCL };
    let mut m = NlMsg::new(nl::RTM_NEWTFILTER, nl::NLM_F_REQUEST | nl::NLM_F_ACK | nl::NLM_F_ECHO | nl::NLM_F_CREATE | excl, &nl::tcmsg(hook.ifindex, opts.handle, parent, info(opts.priority)));
    m.attr_str(nl::TCA_KIND, "bpf");
    m.begin_nested(nl::TCA_OPTIONS)
        .attr_u32(nl::TCA_BPF_FD, opts.prog_fd as u32)
        .attr_str(nl::TCA_BPF_NAME, &format!("{}:[{}]", prog.name(), prog.id))
        .attr_u32(nl::TCA_BPF_FLAGS, nl::TCA_BPF_FLAG_ACT_DIRECT)
        .end_nested();
    let replies = NlSocket::route().and_then(|mut s| s.request(&mut m)).map_err(ctx)?;
    let mut out = opts.clone();
    if !replies.iter().any(|r| parse_filter(r, &mut out)) {
        return Err(ctx(Error::new(libc::ENOENT, "the kernel did not echo the new filter")));
    }
    opts.handle = out.handle;
    opts.priority = out.priority;
    opts.prog_id = out.prog_id;
    Ok(())
}

fn filter_delete(hook: &TcHook, handle: u32, priority: u32, flush: bool) -> Result<()> {
    let parent = parent_of(hook)?;
    let (h, i) = if flush { (0, 0) } else { (handle, info(priority)) };
    let mut m = NlMsg::new(nl::RTM_DELTFILTER, nl::NLM_F_REQUEST | nl::NLM_F_ACK, &nl::tcmsg(hook.ifindex, h, parent, i));
    if !flush {
        m.attr_str(nl::TCA_KIND, "bpf");
    }
    NlSocket::route()?.request(&mut m).map(|_| ())
}

fn check_handle_prio(opts: &TcOpts) -> Result<()> {
    if opts.handle == 0 || opts.priority == 0 || opts.prog_fd != 0 || opts.prog_id != 0 || opts.flags != 0 {
        return Err(einval("need handle and priority, and prog_fd, prog_id, flags all 0"));
    }
    if opts.priority > u16::MAX as u32 {
        return Err(einval(format!("priority {} is above 65535", opts.priority)));
    }
    Ok(())
}

/// libbpf's `bpf_tc_detach`: remove the filter with `opts.handle` and `opts.priority`.
pub fn tc_detach(hook: &TcHook, opts: &TcOpts) -> Result<()> {
    let ctx = |e: Error| Error::new(e.errno(), format!("failed to detach TC filter handle {} priority {} on ifindex {} {}: {}", opts.handle, opts.priority, hook.ifindex, point_name(hook.attach_point), e.message()));
    check_hook(hook).map_err(ctx)?;
    check_handle_prio(opts).map_err(ctx)?;
    filter_delete(hook, opts.handle, opts.priority, false).map_err(ctx)
}

/// libbpf's `bpf_tc_query`: fill `opts.prog_id` for the filter with `opts.handle` and
/// `opts.priority` (ENOENT when there is none).
pub fn tc_query(hook: &TcHook, opts: &mut TcOpts) -> Result<()> {
    let ctx = |e: Error| Error::new(e.errno(), format!("failed to query TC filter handle {} priority {} on ifindex {} {}: {}", opts.handle, opts.priority, hook.ifindex, point_name(hook.attach_point), e.message()));
    check_hook(hook).map_err(ctx)?;
    check_handle_prio(opts).map_err(ctx)?;
    let parent = parent_of(hook).map_err(ctx)?;
    let mut m = NlMsg::new(nl::RTM_GETTFILTER, nl::NLM_F_REQUEST, &nl::tcmsg(hook.ifindex, opts.handle, parent, info(opts.priority)));
    m.attr_str(nl::TCA_KIND, "bpf");
    let replies = NlSocket::route().and_then(|mut s| s.request(&mut m)).map_err(ctx)?;
    let mut out = opts.clone();
    if !replies.iter().any(|r| parse_filter(r, &mut out)) {
        return Err(ctx(Error::new(libc::ENOENT, "no such filter")));
    }
    opts.prog_id = out.prog_id;
    Ok(())
}

#[derive(Debug)]
struct TcFilterLink {
    netns: nl::Netns,
    hook: TcHook,
    handle: u32,
    priority: u32,
    created_qdisc: bool,
}

impl LinkDetach for TcFilterLink {
    fn detach(&mut self) -> Result<()> {
        let this = &*self;
        this.netns.run(|| this.remove())
    }
}

impl TcFilterLink {
    fn remove(&self) -> Result<()> {
        let r = filter_delete(&self.hook, self.handle, self.priority, false);
        if self.created_qdisc {
            let mut both = self.hook.clone();
            both.attach_point = RBPF_TC_INGRESS | RBPF_TC_EGRESS;
            let q = qdisc_modify(&both, nl::RTM_DELQDISC, 0);
            // A vanished interface took its qdisc with it.
            if let Err(e) = q {
                if r.is_ok() && e.errno() != libc::ENODEV && e.errno() != libc::EINVAL {
                    return Err(e);
                }
            }
        }
        r
    }
}

/// Attach `prog_fd` as a direct-action cls_bpf filter on `ifindex`'s ingress or egress
/// (`attach_point` RBPF_TC_INGRESS / RBPF_TC_EGRESS), creating the clsact qdisc if
/// needed. priority / handle 0 let the kernel choose. Detaching the Link removes the
/// filter, and the qdisc if this call created it.
pub fn attach_tc(prog_fd: RawFd, ifindex: i32, attach_point: u32, priority: u32, handle: u32) -> Result<Link> {
    let target = format!("tc {} on ifindex {ifindex}", point_name(attach_point));
    if attach_point != RBPF_TC_INGRESS && attach_point != RBPF_TC_EGRESS {
        return Err(einval(format!("failed to attach {target}: attach_point must be RBPF_TC_INGRESS or RBPF_TC_EGRESS")));
    }
    let netns = nl::Netns::current().map_err(|e| e.context(format_args!("failed to attach {target}")))?;
    let hook = TcHook { ifindex, attach_point, ..Default::default() };
    let created_qdisc = match tc_hook_create(&hook) {
        Ok(()) => true,
        Err(e) if e.errno() == libc::EEXIST => false,
        Err(e) => return Err(e),
    };
    let mut opts = TcOpts { prog_fd, priority, handle, ..Default::default() };
    if let Err(e) = tc_attach(&hook, &mut opts) {
        if created_qdisc {
            let mut both = hook.clone();
            both.attach_point = RBPF_TC_INGRESS | RBPF_TC_EGRESS;
            let _ = tc_hook_destroy(&both);
        }
        return Err(e);
    }
    let target = format!("{target} (handle {}, priority {})", opts.handle, opts.priority);
    Ok(Link::custom(None, Box::new(TcFilterLink { netns, hook, handle: opts.handle, priority: opts.priority, created_qdisc }), target))
}

/// Attach to ingress / egress the best way this kernel has: a tcx link when the kernel
/// supports them (probed), else a netlink cls_bpf filter ([`attach_tc`]).
pub fn attach_tc_auto(prog_fd: RawFd, ifindex: i32, attach_point: u32) -> Result<Link> {
    if super::tcx::have_tcx() {
        let t = if attach_point == RBPF_TC_EGRESS { BPF_TCX_EGRESS } else { BPF_TCX_INGRESS };
        if attach_point != RBPF_TC_INGRESS && attach_point != RBPF_TC_EGRESS {
            return Err(einval("attach_point must be RBPF_TC_INGRESS or RBPF_TC_EGRESS"));
        }
        return super::tcx::attach_tcx(prog_fd, ifindex, t, &Default::default());
    }
    attach_tc(prog_fd, ifindex, attach_point, 0, 0)
}
