//! Socket options for BPF socket filters (SO_ATTACH_BPF / SO_DETACH_BPF).

use super::{err, last_errno};
use crate::Result;
use std::os::fd::RawFd;

const SO_ATTACH_BPF: libc::c_int = 50;
const SO_DETACH_BPF: libc::c_int = 27;
const SO_ATTACH_REUSEPORT_EBPF: libc::c_int = 52;

fn setsockopt_int(fd: RawFd, opt: libc::c_int, v: libc::c_int, what: &str) -> Result<()> {
    // SAFETY: the option value points to a live c_int of the stated size.
    let r = unsafe { libc::setsockopt(fd, libc::SOL_SOCKET, opt, &v as *const libc::c_int as *const libc::c_void, std::mem::size_of::<libc::c_int>() as libc::socklen_t) };
    if r < 0 {
        return Err(err(last_errno(), what));
    }
    Ok(())
}

/// setsockopt(SO_ATTACH_BPF): run `prog_fd` (a SOCKET_FILTER program) on `sock_fd`.
pub fn so_attach_bpf(sock_fd: RawFd, prog_fd: RawFd) -> Result<()> {
    setsockopt_int(sock_fd, SO_ATTACH_BPF, prog_fd, "setsockopt(SO_ATTACH_BPF)")
}

/// setsockopt(SO_DETACH_BPF): remove the socket's filter.
pub fn so_detach_bpf(sock_fd: RawFd) -> Result<()> {
    setsockopt_int(sock_fd, SO_DETACH_BPF, 0, "setsockopt(SO_DETACH_BPF)")
}

/// setsockopt(SO_ATTACH_REUSEPORT_EBPF): a SK_REUSEPORT / SOCKET_FILTER program picks
/// the socket of a reuseport group.
pub fn so_attach_reuseport_bpf(sock_fd: RawFd, prog_fd: RawFd) -> Result<()> {
    setsockopt_int(sock_fd, SO_ATTACH_REUSEPORT_EBPF, prog_fd, "setsockopt(SO_ATTACH_REUSEPORT_EBPF)")
}
