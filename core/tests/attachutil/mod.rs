//! Fixtures for the attach tests: a C program + shared library with probe functions and
//! <sys/sdt.h> USDT probes (built once per test binary with cc), child-process control,
//! and network namespaces with a veth pair (removed on drop).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

const LIB_C: &str = r#"
#include <sys/sdt.h>
volatile int rbpf_lib_sink;
__attribute__((noinline)) int rbpf_lib_func(int x) {
    rbpf_lib_sink += x;
    DTRACE_PROBE2(rbpflib, lib_probe, x, (long)x * 1000);
    return x + 1;
}
"#;

// Probes with semaphores live in their own translation unit: _SDT_HAS_SEMAPHORES applies
// to every probe of a file.
const SEMA_C: &str = r#"
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
unsigned short rbpftest_sema_probe_semaphore __attribute__((unused)) __attribute__((section(".probes")));
__attribute__((noinline)) void rbpf_sema_site(long v) {
    if (rbpftest_sema_probe_semaphore)
        DTRACE_PROBE1(rbpftest, sema_probe, v);
}
unsigned short rbpf_sema_value(void) { return rbpftest_sema_probe_semaphore; }
"#;

const MAIN_C: &str = r#"
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int rbpf_lib_func(int);
void rbpf_sema_site(long);
unsigned short rbpf_sema_value(void);
volatile int rbpf_sink;
struct pair { long pad; long a; int arr[4]; };
__attribute__((noinline)) int rbpf_test_func(int x) { rbpf_sink += x; return x * 2; }
__attribute__((noinline)) int rbpf_test_func2(int x) { rbpf_sink += x; return x * 3; }
__attribute__((noinline)) void rbpf_probe_site(long i, struct pair *p, int idx) {
    /* register, memory+offset, constant, base+index*scale */
    DTRACE_PROBE4(rbpftest, args4, i, p->a, -5, p->arr[idx]);
    DTRACE_PROBE(rbpftest, noargs);
}
/* usage: prog N  -- prints "ready", waits for a line on stdin, prints "sema=V", then
   calls every probed function N times and prints "done". */
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    char line[64];
    printf("ready\n"); fflush(stdout);
    if (!fgets(line, sizeof(line), stdin)) return 1;
    printf("sema=%u\n", rbpf_sema_value()); fflush(stdout);
    struct pair p = { .pad = 1, .a = 4242, .arr = { 10, 11, 12, 13 } };
    for (int i = 0; i < n; i++) {
        rbpf_test_func(i);
        rbpf_test_func2(i);
        rbpf_lib_func(i);
        rbpf_probe_site(i, &p, i & 3);
        rbpf_sema_site(i + 100);
    }
    printf("done\n"); fflush(stdout);
    return 0;
}
"#;

const SOCK_C: &str = r#"
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
/* usage: sockmaker N -- creates and closes N UDP sockets (no traffic). */
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    for (int i = 0; i < n; i++) { int s = socket(AF_INET, SOCK_DGRAM, 0); if (s < 0) return 1; close(s); }
    return 0;
}
"#;

pub struct Fixture {
    pub dir: PathBuf,
    /// Creates N sockets and exits.
    pub sockmaker: String,
    /// PIE executable (ET_DYN).
    pub pie: String,
    /// Non-PIE executable (ET_EXEC).
    pub exec: String,
    /// The shared library both link against.
    pub lib: String,
}

fn cc(args: &[&str]) -> Result<(), String> {
    let out = Command::new("cc").args(args).output().map_err(|e| format!("cannot run cc: {e}"))?;
    if !out.status.success() {
        return Err(format!("cc {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

fn build(dir: &Path) -> Result<Fixture, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for (name, src) in [("lib.c", LIB_C), ("sema.c", SEMA_C), ("main.c", MAIN_C), ("sock.c", SOCK_C)] {
        std::fs::write(dir.join(name), src).map_err(|e| e.to_string())?;
    }
    let d = dir.display().to_string();
    let lib = format!("{d}/librbpfprobe.so");
    cc(&["-O2", "-g0", "-fPIC", "-shared", &format!("{d}/lib.c"), "-o", &lib])?;
    let pie = format!("{d}/probe_pie");
    let exec = format!("{d}/probe_exec");
    let rpath = format!("-Wl,-rpath,{d}");
    cc(&["-O2", "-fPIE", "-pie", &format!("{d}/main.c"), &format!("{d}/sema.c"), "-L", &d, "-lrbpfprobe", &rpath, "-o", &pie])?;
    cc(&["-O2", "-fno-pie", "-no-pie", &format!("{d}/main.c"), &format!("{d}/sema.c"), "-L", &d, "-lrbpfprobe", &rpath, "-o", &exec])?;
    let sockmaker = format!("{d}/sockmaker");
    cc(&["-O2", &format!("{d}/sock.c"), "-o", &sockmaker])?;
    Ok(Fixture { dir: dir.to_path_buf(), sockmaker, pie, exec, lib })
}

/// The fixture, built once per test binary under CARGO_TARGET_TMPDIR (Err: why not).
pub fn fixture() -> Result<&'static Fixture, String> {
    static F: OnceLock<Result<Fixture, String>> = OnceLock::new();
    F.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        // Remove fixtures of earlier runs.
        if let Ok(rd) = std::fs::read_dir(&root) {
            for e in rd.flatten() {
                // Only those of processes that are gone (test binaries may run at once).
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("rbpf_attach_fixture_") {
                    if !Path::new(&format!("/proc/{pid}")).exists() {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
        }
        build(&root.join(format!("rbpf_attach_fixture_{}", std::process::id())))
    })
    .as_ref()
    .map_err(|e| e.clone())
}

/// A fixture child process, stopped before its probed calls until `go()`.
pub struct Runner {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Runner {
    pub fn spawn(bin: &str, n: u32) -> Runner {
        let mut child = Command::new(bin).arg(n.to_string()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("spawn fixture");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("read ready");
        assert_eq!(line.trim(), "ready");
        Runner { child, out }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Let it run; returns the semaphore value it saw before the calls.
    pub fn go(mut self) -> u32 {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"go\n").expect("write go");
        let mut line = String::new();
        self.out.read_line(&mut line).expect("read sema");
        let sema = line.trim().strip_prefix("sema=").and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("bad line {line:?}"));
        line.clear();
        self.out.read_line(&mut line).expect("read done");
        assert_eq!(line.trim(), "done");
        assert!(self.child.wait().expect("wait").success());
        sema
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run the fixture to completion with `n` iterations.
pub fn run(bin: &str, n: u32) -> u32 {
    Runner::spawn(bin, n).go()
}

// --- network namespaces ------------------------------------------------------------------

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("cannot run ip: {e}"))?;
    if !out.status.success() {
        return Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(())
}

/// Two network namespaces joined by a veth pair: `a` (10.N.M.1/24 on veth `va`) and `b`
/// (10.N.M.2/24 on veth `vb`). Everything is removed on drop.
pub struct VethPair {
    pub ns_a: String,
    pub ns_b: String,
    pub dev_a: String,
    pub dev_b: String,
    pub addr_a: std::net::Ipv4Addr,
    pub addr_b: std::net::Ipv4Addr,
}

impl VethPair {
    pub fn new(tag: &str) -> Result<VethPair, String> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let ns_a = format!("rbpf_{tag}_{pid}_{n}_a");
        let ns_b = format!("rbpf_{tag}_{pid}_{n}_b");
        // Addresses inside the namespaces only; unique per pair.
        let (x, y) = (((pid >> 8) & 0xff) as u8, ((pid as u8) ^ (n as u8).wrapping_mul(37)));
        let pair = VethPair {
            ns_a: ns_a.clone(),
            ns_b: ns_b.clone(),
            dev_a: "va".into(),
            dev_b: "vb".into(),
            addr_a: std::net::Ipv4Addr::new(10, x, y, 1),
            addr_b: std::net::Ipv4Addr::new(10, x, y, 2),
        };
        ip(&["netns", "add", &ns_a])?;
        ip(&["netns", "add", &ns_b])?;
        // Created directly inside ns_a, peer moved into ns_b: never in the root namespace.
        ip(&["-n", &ns_a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &ns_b])?;
        ip(&["-n", &ns_a, "addr", "add", &format!("{}/24", pair.addr_a), "dev", "va"])?;
        ip(&["-n", &ns_b, "addr", "add", &format!("{}/24", pair.addr_b), "dev", "vb"])?;
        ip(&["-n", &ns_a, "link", "set", "va", "up"])?;
        ip(&["-n", &ns_b, "link", "set", "vb", "up"])?;
        ip(&["-n", &ns_a, "link", "set", "lo", "up"])?;
        ip(&["-n", &ns_b, "link", "set", "lo", "up"])?;
        Ok(pair)
    }

    pub fn ns_path(ns: &str) -> String {
        format!("/run/netns/{ns}")
    }

    /// Run `f` on a new thread that has entered namespace `ns`.
    pub fn in_ns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = Self::ns_path(ns);
        std::thread::spawn(move || {
            rbpf_core::sys::netlink::enter_netns(&path).expect("setns");
            f()
        })
        .join()
        .expect("namespace thread panicked")
    }

    /// Send `n` UDP datagrams from a to b (port 9).
    pub fn send_udp(&self, n: usize) {
        let (src, dst) = (self.addr_a, self.addr_b);
        Self::in_ns(&self.ns_a, move || {
            let s = std::net::UdpSocket::bind((src, 0)).expect("bind");
            for _ in 0..n {
                let _ = s.send_to(b"rbpf-test", (dst, 9));
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        });
        // Let the receiver's NAPI/softirq run.
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Drop for VethPair {
    fn drop(&mut self) {
        // Deleting the namespaces deletes the veth pair and everything attached to it.
        let _ = ip(&["netns", "del", &self.ns_a]);
        let _ = ip(&["netns", "del", &self.ns_b]);
    }
}

/// `ip` exists and namespaces work.
pub fn have_netns() -> bool {
    Command::new("ip").args(["netns", "list"]).output().map(|o| o.status.success()).unwrap_or(false)
}

/// Build a #[non_exhaustive] options struct: `opts!(UprobeOpts { retprobe: true })`.
#[macro_export]
macro_rules! opts {
    ($t:ident { $($f:ident : $v:expr),* $(,)? }) => {{
        #[allow(unused_mut)]
        let mut o = <$t>::default();
        $( o.$f = $v; )*
        o
    }};
}

/// Tests that probe the shared fixture binaries for every process would count each
/// other's runs: they hold this lock.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static M: std::sync::Mutex<()> = std::sync::Mutex::new(());
    M.lock().unwrap_or_else(|p| p.into_inner())
}

/// Wait after a detach before checking that nothing counts any more: a child another test
/// thread is forking at that moment holds a copy of the link fd until its exec closes it.
pub fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(150));
}
