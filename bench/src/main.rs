//! `make bench`: rbpf and libbpf side by side on the same BPF objects, in one run, and
//! BENCHMARKS.md written from the results. Sections:
//!
//! - load: open + load + close through rbpf (`Object::open_file` + `load` + drop) and
//!   libbpf (`bpf_object__open_file` + `bpf_object__load` + `bpf_object__close`, via
//!   libbpf-sys): a warm loop (many iterations in one process, alternating the two, where
//!   either may reuse process-wide caches such as parsed kernel BTF) and the first load in
//!   fresh processes (one child process per sample: what a short-lived tool pays), with
//!   the peak RSS (VmHWM) of those children;
//! - btf: where rbpf's first CO-RE load spends its kernel-BTF time (`--btf-breakdown`).
//!
//! Other sections (maps, ring buffers) plug in as one more `fn(&Args) -> Result<String>`
//! in `SECTIONS` below.
//!
//! Usage: rbpf-bench [--iterations N] [--warmup N] [--cold N] [--max-seconds S]
//!                   [--output PATH] [--objects a,b,..]
//! Internal: --one <rbpf|libbpf|none> <object> (one sample in this fresh process),
//!           --btf-breakdown, --gen-core-many (prints bpf/core_many.bpf.c).

mod btfprof;
mod corpus;
mod events;
mod libbpf;

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// minimal_core: a small CO-RE tracepoint object; core_many: the generated 500+
/// relocation object (bpf/core_many.bpf.c); syscount: maps + three programs.
const DEFAULT_OBJECTS: &[&str] = &["minimal_core", "core_many", "syscount"];

/// Ratio targets (issue 3): rbpf time ≤ 0.5× libbpf's, peak RSS ≤ libbpf's.
const TIME_TARGET: f64 = 0.5;
const RSS_TARGET: f64 = 1.0;

pub struct Args {
    iterations: usize,
    warmup: usize,
    /// Fresh processes per implementation and object for the first-load figures.
    cold: usize,
    /// Per object, the warm loop stops early once it has run this long (after at least
    /// 20 timed iterations), so slow objects do not hog the shared CPUs.
    max_seconds: f64,
    output: PathBuf,
    objects: Vec<String>,
}

type Section = fn(&Args) -> Result<String>;
const SECTIONS: &[Section] = &[load_section, btf_section, events_section];

/// Ring buffer and map throughput, rbpf (Rust and C) against libbpf (issue 5).
fn events_section(_args: &Args) -> Result<String> {
    events::section(2.0)
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        iterations: 200,
        warmup: 20,
        cold: 21,
        max_seconds: 20.0,
        output: PathBuf::from("BENCHMARKS.md"),
        objects: DEFAULT_OBJECTS.iter().map(|s| s.to_string()).collect(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--iterations" | "-n" => a.iterations = val()?.parse().context("--iterations")?,
            "--warmup" => a.warmup = val()?.parse().context("--warmup")?,
            "--cold" => a.cold = val()?.parse().context("--cold")?,
            "--max-seconds" => a.max_seconds = val()?.parse().context("--max-seconds")?,
            "--one" => {
                let which = val()?;
                let obj = val()?;
                one(&which, &obj);
            }
            "--gen-core-many" => {
                match corpus::generate() {
                    Ok(src) => print!("{src}"),
                    Err(e) => bail!("--gen-core-many: {e}"),
                }
                std::process::exit(0);
            }
            "--btf-breakdown" => {
                match btfprof::breakdown() {
                    Ok(rows) => rows.iter().for_each(|(s, t)| println!("{t:.3} {s}")),
                    Err(e) => println!("error {e}"),
                }
                std::process::exit(0);
            }
            "--output" | "-o" => a.output = PathBuf::from(val()?),
            "--objects" => a.objects = val()?.split(',').map(str::to_string).collect(),
            "--help" | "-h" => {
                println!("rbpf-bench [--iterations N] [--warmup N] [--cold N] [--max-seconds S] [--output PATH] [--objects a,b]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if a.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    Ok(a)
}

/// Peak resident set size of this process (VmHWM), in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// `--one`: one open+load+close in this fresh process; prints "open load close" in ns
/// and the peak RSS in KiB ("none": nothing loaded, the binary's own baseline).
fn one(which: &str, obj: &str) -> ! {
    libbpf::silence();
    if which == "none" {
        println!("0 0 0 {}", vm_hwm_kib());
        std::process::exit(0);
    }
    let f: OnceFn = match which {
        "rbpf" => rbpf_once,
        "rbpf-mapped" => rbpf_mapped_once,
        _ => libbpf_once,
    };
    match f(&rbpf_testprogs::object_path(obj)) {
        Ok(r) => {
            if std::env::var_os("RBPF_BENCH_RSS_DETAIL").is_some() {
                let st = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
                let d: Vec<&str> = st.lines().filter(|l| l.starts_with("Rss") || l.starts_with("VmHWM")).collect();
                eprintln!("{which} {obj}: {d:?}");
            }
            println!("{} {} {} {}", r.open.as_nanos(), r.load.as_nanos(), r.close.as_nanos(), vm_hwm_kib());
            std::process::exit(0);
        }
        Err(e) => {
            println!("error {e}");
            std::process::exit(1);
        }
    }
}

/// Per-iteration timings of one implementation on one object.
#[derive(Default)]
struct Samples {
    programs: usize,
    open: Vec<Duration>,
    load: Vec<Duration>,
    close: Vec<Duration>,
    total: Vec<Duration>,
}

impl Samples {
    fn push(&mut self, open: Duration, load: Duration, close: Duration) {
        self.open.push(open);
        self.load.push(load);
        self.close.push(close);
        self.total.push(open + load + close);
    }
}

/// Outcome of one implementation: timings, or why there are none.
enum Outcome {
    Timed(Samples),
    Unavailable(String),
}

/// Timings of one open+load+close, and how many programs the load produced.
struct Once {
    open: Duration,
    load: Duration,
    close: Duration,
    programs: usize,
}

/// One open+load+close through rbpf. A panic (the loader still being written:
/// `todo!()`) or an error makes the implementation unavailable for this run.
fn rbpf_once(path: &Path) -> std::result::Result<Once, String> {
    let path = path.to_path_buf();
    let r = std::panic::catch_unwind(move || {
        let opts = rbpf_core::ObjectOpenOpts::default();
        let t0 = Instant::now();
        let mut obj = rbpf_core::Object::open_file(&path, &opts).map_err(|e| format!("open: {e}"))?;
        let t1 = Instant::now();
        obj.load().map_err(|e| format!("load: {e}"))?;
        let t2 = Instant::now();
        let programs = obj.programs().iter().filter(|p| p.fd().is_ok()).count();
        let t3 = Instant::now();
        drop(obj);
        let t4 = Instant::now();
        Ok(Once { open: t1 - t0, load: t2 - t1, close: t4 - t3, programs })
    });
    match r {
        Ok(res) => res,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(format!("panicked: {msg}"))
        }
    }
}

/// rbpf, with the object file mapped (read-only, only the pages the parser touches
/// become resident) and handed to `Object::open_mem`, instead of `open_file`'s read of
/// the whole file (DWARF included). The figure a loader-side change would give.
fn rbpf_mapped_once(path: &Path) -> std::result::Result<Once, String> {
    let opts = rbpf_core::ObjectOpenOpts::default();
    let t0 = Instant::now();
    let m = rbpf_core::sys::mmap_file_ro(path).map_err(|e| format!("mmap: {e}"))?;
    let mut obj = rbpf_core::Object::open_mem(m.as_ref(), &opts).map_err(|e| format!("open: {e}"))?;
    drop(m);
    let t1 = Instant::now();
    obj.load().map_err(|e| format!("load: {e}"))?;
    let t2 = Instant::now();
    let programs = obj.programs().iter().filter(|p| p.fd().is_ok()).count();
    let t3 = Instant::now();
    drop(obj);
    let t4 = Instant::now();
    Ok(Once { open: t1 - t0, load: t2 - t1, close: t4 - t3, programs })
}

fn libbpf_once(path: &Path) -> std::result::Result<Once, String> {
    let t0 = Instant::now();
    let obj = libbpf::Object::open_file(path)?;
    let t1 = Instant::now();
    obj.load()?;
    let t2 = Instant::now();
    let programs = obj.loaded_programs();
    let t3 = Instant::now();
    drop(obj);
    let t4 = Instant::now();
    Ok(Once { open: t1 - t0, load: t2 - t1, close: t4 - t3, programs })
}

type OnceFn = fn(&Path) -> std::result::Result<Once, String>;

/// Medians over fresh processes (`--one`): first open+load+close, its load part, and
/// the peak RSS.
struct Cold {
    total: Duration,
    load: Duration,
    hwm_kib: u64,
}

fn run_one(which: &str, object: &str) -> std::result::Result<(Duration, Duration, u64), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let out = Command::new(&exe).args(["--one", which, object]).output().map_err(|e| format!("running {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(text.trim().trim_start_matches("error ").to_string());
    }
    let v: Vec<u64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    if v.len() != 4 {
        return Err(format!("unexpected --one output {text:?}"));
    }
    Ok((Duration::from_nanos(v[0] + v[1] + v[2]), Duration::from_nanos(v[1]), v[3]))
}

/// `runs` fresh processes per implementation, alternating rbpf, libbpf and rbpf with
/// the object file mapped (see `rbpf_mapped_once`).
fn cold_pair(object: &str, runs: usize) -> [std::result::Result<Cold, String>; 3] {
    type Acc = std::result::Result<(Vec<Duration>, Vec<Duration>, Vec<u64>), String>;
    let mut acc: [Acc; 3] = [Ok(Default::default()), Ok(Default::default()), Ok(Default::default())];
    for _ in 0..runs {
        for (slot, which) in acc.iter_mut().zip(["rbpf", "libbpf", "rbpf-mapped"]) {
            if let Ok((t, l, h)) = slot {
                match run_one(which, object) {
                    Ok((a, b, c)) => {
                        t.push(a);
                        l.push(b);
                        h.push(c);
                    }
                    Err(e) => *slot = Err(e),
                }
            }
        }
    }
    acc.map(|r| {
        r.map(|(t, l, mut h)| {
            h.sort_unstable();
            Cold { total: percentile(&t, 50.0), load: percentile(&l, 50.0), hwm_kib: h.get(h.len() / 2).copied().unwrap_or(0) }
        })
    })
}

/// Warm up, then time up to `iterations` runs of both implementations, alternating so
/// that drifts of the machine (frequency, caches, other load) hit both alike.
fn bench_object(path: &Path, args: &Args) -> [Outcome; 2] {
    let impls: [OnceFn; 2] = [rbpf_once, libbpf_once];
    let mut out: [std::result::Result<Samples, String>; 2] = [Ok(Samples::default()), Ok(Samples::default())];
    let start = Instant::now();
    for i in 0..args.warmup + args.iterations {
        if i >= args.warmup + 20 && start.elapsed().as_secs_f64() > args.max_seconds {
            break;
        }
        for (slot, f) in out.iter_mut().zip(impls) {
            if let Ok(samples) = slot {
                match f(path) {
                    Ok(r) => {
                        samples.programs = r.programs;
                        if i >= args.warmup {
                            samples.push(r.open, r.load, r.close);
                        }
                    }
                    Err(e) => *slot = Err(e),
                }
            }
        }
    }
    out.map(|s| match s {
        Ok(s) => Outcome::Timed(s),
        Err(e) => Outcome::Unavailable(e),
    })
}

fn percentile(v: &[Duration], p: f64) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    if s.is_empty() {
        return Duration::ZERO;
    }
    // Nearest-rank percentile.
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

fn fmt_ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        "n/a".into()
    }
}

fn verdict(a: f64, b: f64, target: f64) -> &'static str {
    if b <= 0.0 {
        "n/a"
    } else if a / b <= target {
        "met"
    } else {
        "NOT met"
    }
}

fn cmd_line(cmd: &str, args: &[&str]) -> Option<String> {
    let o = Command::new(cmd).args(args).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!("{cpu}, {cpus} CPUs")
}

/// Open + load + close: warm loop, fresh processes, peak RSS, and the targets.
fn load_section(args: &Args) -> Result<String> {
    let mut rows = String::new();
    let mut cold_rows = String::new();
    let mut target_rows = String::new();
    let mut mapped_rows = String::new();
    let mut notes = String::new();
    let baseline = run_one("none", "none").map(|(_, _, h)| h).unwrap_or(0);
    for name in &args.objects {
        let path = rbpf_testprogs::object_path(name);
        if !path.exists() {
            bail!("no BPF object {} (known: {:?})", path.display(), rbpf_testprogs::OBJECTS);
        }
        eprintln!("rbpf-bench: {name}: warm loop ({} warm-up + up to {} timed iterations per implementation)", args.warmup, args.iterations);
        let [r, l] = bench_object(&path, args);
        let mut warm_total = (None, None);
        for (op, pick) in [
            ("open", (|s: &Samples| &s.open) as fn(&Samples) -> &Vec<Duration>),
            ("load", |s: &Samples| &s.load),
            ("close", |s: &Samples| &s.close),
            ("open+load+close", |s: &Samples| &s.total),
        ] {
            let cell = |o: &Outcome| match o {
                Outcome::Timed(s) => (Some(percentile(pick(s), 50.0)), Some(percentile(pick(s), 90.0))),
                Outcome::Unavailable(_) => (None, None),
            };
            let (rm, rp) = cell(&r);
            let (lm, lp) = cell(&l);
            if op == "open+load+close" {
                warm_total = (rm, lm);
            }
            let show = |d: Option<Duration>| d.map(fmt_ms).unwrap_or_else(|| "n/a".into());
            let rt = match (rm, lm) {
                (Some(a), Some(b)) => ratio(a.as_secs_f64(), b.as_secs_f64()),
                _ => "n/a".into(),
            };
            let _ = writeln!(rows, "| {name} | {op} | {} | {} | {} | {} | {rt} |", show(rm), show(rp), show(lm), show(lp));
        }
        eprintln!("rbpf-bench: {name}: {} fresh processes per implementation", args.cold);
        let [rc, lc, mc] = cold_pair(name, args.cold);
        let show = |c: &std::result::Result<Cold, String>, f: fn(&Cold) -> String| c.as_ref().map(f).unwrap_or_else(|_| "n/a".into());
        let f64s = |c: &std::result::Result<Cold, String>, f: fn(&Cold) -> f64| c.as_ref().map(f).unwrap_or(0.0);
        let (rt, lt) = (f64s(&rc, |c| c.total.as_secs_f64()), f64s(&lc, |c| c.total.as_secs_f64()));
        let (rh, lh) = (f64s(&rc, |c| c.hwm_kib as f64), f64s(&lc, |c| c.hwm_kib as f64));
        let mh = f64s(&mc, |c| c.hwm_kib as f64);
        let _ = writeln!(
            mapped_rows,
            "| {name} | {} | {} | {} | {} ({}) |",
            show(&mc, |c| fmt_ms(c.total)),
            show(&mc, |c| format!("{:.2}", c.hwm_kib as f64 / 1024.0)),
            show(&lc, |c| format!("{:.2}", c.hwm_kib as f64 / 1024.0)),
            ratio(mh, lh),
            verdict(mh, lh, RSS_TARGET)
        );
        let _ = writeln!(
            cold_rows,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            show(&rc, |c| fmt_ms(c.total)),
            show(&rc, |c| fmt_ms(c.load)),
            show(&lc, |c| fmt_ms(c.total)),
            show(&lc, |c| fmt_ms(c.load)),
            ratio(rt, lt),
            show(&rc, |c| format!("{:.2}", c.hwm_kib as f64 / 1024.0)),
            show(&lc, |c| format!("{:.2}", c.hwm_kib as f64 / 1024.0)),
        );
        let (wa, wb) = (warm_total.0.map_or(0.0, |d| d.as_secs_f64()), warm_total.1.map_or(0.0, |d| d.as_secs_f64()));
        let _ = writeln!(
            target_rows,
            "| {name} | {} ({}) | {} ({}) | {} ({}) |",
            ratio(wa, wb),
            verdict(wa, wb, TIME_TARGET),
            ratio(rt, lt),
            verdict(rt, lt, TIME_TARGET),
            ratio(rh, lh),
            verdict(rh, lh, RSS_TARGET)
        );
        for (who, o, c) in [("rbpf", &r, &rc), ("libbpf", &l, &lc)] {
            match o {
                Outcome::Unavailable(why) => {
                    let _ = writeln!(notes, "- {who} on `{name}`: not measured ({why})");
                }
                Outcome::Timed(s) => {
                    let _ = writeln!(notes, "- {who} on `{name}`: {} programs loaded per iteration, {} warm iterations timed", s.programs, s.total.len());
                }
            }
            if let Err(e) = c {
                let _ = writeln!(notes, "- {who} on `{name}` in a fresh process: not measured ({e})");
            }
        }
    }
    let mut md = String::new();
    let _ = writeln!(md, "## Open + load + close\n");
    let _ = writeln!(md, "rbpf: `Object::open_file` + `load` + drop. libbpf {}: `bpf_object__open_file` +", libbpf::version());
    let _ = writeln!(md, "`bpf_object__load` + `bpf_object__close` (libbpf-sys). Objects: `target/bpf/<name>.bpf.o`, built");
    let _ = writeln!(md, "from `bpf/` (`core_many` = `bpf/core_many.bpf.c`, generated: one program, 500+ CO-RE relocations");
    let _ = writeln!(md, "over 27 kernel structs). Load includes kernel BTF, CO-RE, map creation and the verifier.\n");
    let _ = writeln!(md, "### Targets (rbpf / libbpf)\n");
    let _ = writeln!(md, "| object | warm loop time (≤ {TIME_TARGET}) | fresh process time (≤ {TIME_TARGET}) | peak RSS (≤ {RSS_TARGET}) |");
    let _ = writeln!(md, "| --- | --- | --- | --- |");
    md.push_str(&target_rows);
    let _ = writeln!(md, "\n### Fresh process: the first open+load+close\n");
    let _ = writeln!(md, "One child process per sample (`rbpf-bench --one <impl> <object>`), {} per implementation,", args.cold);
    let _ = writeln!(md, "alternating; medians. Nothing is cached yet: both parse the kernel BTF. Peak RSS is the child's");
    let _ = writeln!(md, "VmHWM at exit (the same binary for both; a child that loads nothing peaks at {:.2} MiB).", baseline as f64 / 1024.0);
    let _ = writeln!(md, "Single samples of either library sometimes take a few ms more (on this 2-vCPU VM, e.g. a munmap's");
    let _ = writeln!(md, "TLB shootdown or a sysfs open waiting for the other, busy vCPU, seen with strace -T): hence medians.\n");
    let _ = writeln!(md, "| object | rbpf total ms | rbpf load ms | libbpf total ms | libbpf load ms | rbpf/libbpf | rbpf peak RSS MiB | libbpf peak RSS MiB |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    md.push_str(&cold_rows);
    let _ = writeln!(md, "\n`Object::open_file` reads only the sections the loader parses (not the DWARF), into a zeroed");
    let _ = writeln!(md, "buffer whose untouched pages never become resident. For comparison, the same load over an mmap of");
    let _ = writeln!(md, "the whole file (`sys::mmap_file_ro` + `Object::open_mem`, bench variant `--one rbpf-mapped`):\n");
    let _ = writeln!(md, "| object | rbpf (mapped file) total ms | rbpf (mapped file) peak RSS MiB | libbpf peak RSS MiB | rbpf/libbpf RSS |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | --- |");
    md.push_str(&mapped_rows);
    let _ = writeln!(md, "\n### Warm loop\n");
    let _ = writeln!(md, "{} warm-up iterations, then up to {} timed ones per implementation (fewer when an object's", args.warmup, args.iterations);
    let _ = writeln!(md, "loop passes {} s), alternating one iteration of each. rbpf keeps the parsed kernel BTF for the", args.max_seconds);
    let _ = writeln!(md, "life of the process (`btf::flush_vmlinux_cache()` drops it); libbpf parses it again for every object.");
    let _ = writeln!(md, "Times in ms.\n");
    let _ = writeln!(md, "| object | op | rbpf median | rbpf p90 | libbpf median | libbpf p90 | rbpf/libbpf |");
    let _ = writeln!(md, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    md.push_str(&rows);
    if !notes.is_empty() {
        let _ = writeln!(md, "\n{notes}");
    }
    Ok(md)
}

/// Where rbpf's first CO-RE load spends its kernel-BTF time: `--btf-breakdown` in
/// `cold` fresh processes, median per step.
fn btf_section(args: &Args) -> Result<String> {
    let exe = std::env::current_exe()?;
    let mut steps: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..args.cold.max(1) {
        let out = Command::new(&exe).arg("--btf-breakdown").output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        for (i, line) in text.lines().enumerate() {
            let Some((t, what)) = line.split_once(' ') else { continue };
            let Ok(t) = t.parse::<f64>() else { continue };
            if steps.len() <= i {
                steps.push((what.to_string(), Vec::new()));
            }
            steps[i].1.push(t);
        }
    }
    let mut md = String::new();
    let _ = writeln!(md, "## Kernel BTF in a fresh process (rbpf)\n");
    let _ = writeln!(md, "`rbpf-bench --btf-breakdown`, {} processes, median ms per step, in order:\n", args.cold.max(1));
    let _ = writeln!(md, "| step | ms |\n| --- | ---: |");
    for (what, mut v) in steps {
        v.sort_by(f64::total_cmp);
        let _ = writeln!(md, "| {what} | {:.3} |", v.get(v.len() / 2).copied().unwrap_or(0.0));
    }
    Ok(md)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    libbpf::silence();
    let load_before = loadavg();
    let mut sections = Vec::new();
    for s in SECTIONS {
        sections.push(s(&args)?);
    }
    let load_after = loadavg();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default();
    let date = cmd_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "unknown date".into());
    let rustc = cmd_line("rustc", &["--version"]).unwrap_or_else(|| "rustc (unknown)".into());
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(md, "Generated by `make bench`; do not edit by hand. Reproduce:\n");
    let _ = writeln!(md, "```\nmake bench\n# or, after `cargo build --release -p rbpf-bench -p rbpf-testprogs`:");
    let _ = writeln!(
        md,
        "cargo run --release -p rbpf-bench -- --iterations {} --warmup {} --cold {} --max-seconds {} --objects {}",
        args.iterations,
        args.warmup,
        args.cold,
        args.max_seconds,
        args.objects.join(",")
    );
    let _ = writeln!(md, "# one sample in a fresh process (prints open, load, close ns and VmHWM KiB):");
    let _ = writeln!(md, "target/release/rbpf-bench --one rbpf core_many; target/release/rbpf-bench --one libbpf core_many");
    let _ = writeln!(md, "target/release/rbpf-bench --btf-breakdown\n```\n");
    let _ = writeln!(md, "- machine: {}", machine());
    let _ = writeln!(md, "- kernel: {kernel}");
    let _ = writeln!(md, "- toolchain: {rustc}, release profile");
    let _ = writeln!(md, "- date: {date}");
    let _ = writeln!(md, "- load average (1/5/15 min) at start: {load_before}; at end: {load_after} (shared 2-CPU machine:");
    let _ = writeln!(md, "  medians, alternating implementations, so background load hits both alike)\n");
    for s in sections {
        md.push_str(&s);
        md.push('\n');
    }
    std::fs::write(&args.output, &md).with_context(|| format!("writing {}", args.output.display()))?;
    print!("{md}");
    eprintln!("rbpf-bench: wrote {}", args.output.display());
    Ok(())
}
