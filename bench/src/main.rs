//! `make bench`: times open, load and close of the same BPF objects through rbpf
//! (`Object::open_file` + `load` + drop) and through libbpf (`bpf_object__open_file` +
//! `bpf_object__load` + `bpf_object__close`, via libbpf-sys), interleaved in one run,
//! and writes BENCHMARKS.md with medians, p90s and the rbpf/libbpf ratio.
//!
//! Besides the steady state (many iterations in one process, where either library may
//! reuse process-wide caches such as parsed kernel BTF), it measures the first
//! open+load+close in fresh processes (`--cold` runs each), which is what a short-lived
//! tool pays.
//!
//! Usage: rbpf-bench [--iterations N] [--warmup N] [--cold N] [--output PATH] [--objects a,b,..]

mod btfprof;
mod corpus;
mod libbpf;

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DEFAULT_OBJECTS: &[&str] = &["minimal_core", "syscount"];

struct Args {
    iterations: usize,
    warmup: usize,
    /// Fresh processes per implementation and object for the first-load figure.
    cold: usize,
    output: PathBuf,
    objects: Vec<String>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        iterations: 200,
        warmup: 20,
        cold: 10,
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
            // Internal: one open+load+close in this fresh process, printed as nanoseconds.
            "--one" => {
                let which = val()?;
                let obj = val()?;
                libbpf::silence();
                let f: OnceFn = if which == "rbpf" { rbpf_once } else { libbpf_once };
                match f(&rbpf_testprogs::object_path(&obj)) {
                    Ok(r) => {
                        println!("{} {} {}", r.open.as_nanos(), r.load.as_nanos(), r.close.as_nanos());
                        std::process::exit(0);
                    }
                    Err(e) => {
                        println!("error {e}");
                        std::process::exit(1);
                    }
                }
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
                    Ok(rows) => rows.iter().for_each(|(s, t)| println!("{t:9.3} ms  {s}")),
                    Err(e) => println!("error {e}"),
                }
                std::process::exit(0);
            }
            "--output" | "-o" => a.output = PathBuf::from(val()?),
            "--objects" => a.objects = val()?.split(',').map(str::to_string).collect(),
            "--help" | "-h" => {
                println!("rbpf-bench [--iterations N] [--warmup N] [--cold N] [--output PATH] [--objects a,b]");
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

/// Median of `runs` first open+load+close, each in a fresh process (`--one`).
fn cold(which: &str, object: &str, runs: usize) -> std::result::Result<Duration, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut totals = Vec::new();
    for _ in 0..runs {
        let out = Command::new(&exe)
            .args(["--one", which, object])
            .output()
            .map_err(|e| format!("running {}: {e}", exe.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(text.trim().trim_start_matches("error ").to_string());
        }
        let ns: Vec<u64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        if ns.len() != 3 {
            return Err(format!("unexpected --one output {text:?}"));
        }
        totals.push(Duration::from_nanos(ns.iter().sum()));
    }
    Ok(percentile(&totals, 50.0))
}

/// Warm up, then time `iterations` runs of both implementations, alternating so that
/// drifts of the machine (frequency, caches, other load) hit both alike.
fn bench_object(path: &Path, args: &Args) -> [Outcome; 2] {
    let impls: [OnceFn; 2] = [rbpf_once, libbpf_once];
    let mut out: [Result<Samples, String>; 2] = [Ok(Samples::default()), Ok(Samples::default())];
    for i in 0..args.warmup + args.iterations {
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

fn cmd_line(cmd: &str, args: &[&str]) -> Option<String> {
    let o = Command::new(cmd).args(args).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
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

fn main() -> Result<()> {
    let args = parse_args()?;
    libbpf::silence();

    let mut rows = String::new();
    let mut cold_rows = String::new();
    let mut notes = String::new();
    for name in &args.objects {
        let path = rbpf_testprogs::object_path(name);
        if !path.exists() {
            bail!("no BPF object {} (known: {:?})", path.display(), rbpf_testprogs::OBJECTS);
        }
        eprintln!("rbpf-bench: {name}: {} warm-up + {} timed iterations per implementation", args.warmup, args.iterations);
        let [r, l] = bench_object(&path, &args);
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
            let show = |d: Option<Duration>| d.map(fmt_ms).unwrap_or_else(|| "n/a".into());
            let ratio = match (rm, lm) {
                (Some(a), Some(b)) if b > Duration::ZERO => format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64()),
                _ => "n/a".into(),
            };
            let _ = writeln!(
                rows,
                "| {name} | {op} | {} | {} | {} | {} | {ratio} |",
                show(rm),
                show(rp),
                show(lm),
                show(lp)
            );
        }
        // First open+load+close in a fresh process (no process-wide caches yet).
        let rc = if matches!(r, Outcome::Timed(_)) { cold("rbpf", name, args.cold) } else { Err("n/a".into()) };
        let lc = if matches!(l, Outcome::Timed(_)) { cold("libbpf", name, args.cold) } else { Err("n/a".into()) };
        let ratio = match (&rc, &lc) {
            (Ok(a), Ok(b)) if *b > Duration::ZERO => format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64()),
            _ => "n/a".into(),
        };
        let show = |d: &std::result::Result<Duration, String>| d.as_ref().map(|d| fmt_ms(*d)).unwrap_or_else(|_| "n/a".into());
        let _ = writeln!(
            cold_rows,
            "| {name} | {} | {} | {ratio} |",
            show(&rc),
            show(&lc)
        );
        for (who, o) in [("rbpf", &r), ("libbpf", &l)] {
            match o {
                Outcome::Unavailable(why) => {
                    let _ = writeln!(notes, "- {who} on `{name}`: not measured ({why})");
                }
                Outcome::Timed(s) => {
                    let _ = writeln!(notes, "- {who} on `{name}`: {} programs loaded per iteration", s.programs);
                }
            }
        }
    }

    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default();
    let date = cmd_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "unknown date".into());
    let rustc = cmd_line("rustc", &["--version"]).unwrap_or_else(|| "rustc (unknown)".into());
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(md, "Generated by `make bench` (`cargo run --release -p rbpf-bench -- --iterations {} --warmup {} --cold {}`); do not edit by hand.\n", args.iterations, args.warmup, args.cold);
    let _ = writeln!(md, "Open, load and close of the same BPF objects (`target/bpf/*.bpf.o`, built from `bpf/`) through rbpf");
    let _ = writeln!(md, "(`Object::open_file` + `load` + drop) and through libbpf {} (libbpf-sys: `bpf_object__open_file` +", libbpf::version());
    let _ = writeln!(md, "`bpf_object__load` + `bpf_object__close`), alternating one iteration of each after {} warm-up", args.warmup);
    let _ = writeln!(md, "iterations; {} timed iterations each. Times in milliseconds; ratio = rbpf median / libbpf median", args.iterations);
    let _ = writeln!(md, "(below 1 means rbpf is faster). Load includes kernel BTF parsing, CO-RE, map creation and the verifier.\n");
    let _ = writeln!(md, "- machine: {}", machine());
    let _ = writeln!(md, "- kernel: {kernel}");
    let _ = writeln!(md, "- toolchain: {rustc}, release profile");
    let _ = writeln!(md, "- date: {date}\n");
    let _ = writeln!(md, "| object | op | rbpf median | rbpf p90 | libbpf median | libbpf p90 | rbpf/libbpf |");
    let _ = writeln!(md, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    md.push_str(&rows);
    let _ = writeln!(md, "\nFirst open+load+close in a fresh process (median of {} processes each), where", args.cold);
    let _ = writeln!(md, "nothing is cached yet (rbpf keeps the parsed kernel BTF for the life of the process;");
    let _ = writeln!(md, "libbpf parses it again for every object):\n");
    let _ = writeln!(md, "| object | rbpf median | libbpf median | rbpf/libbpf |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: |");
    md.push_str(&cold_rows);
    if !notes.is_empty() {
        let _ = writeln!(md, "\n{notes}");
    }
    std::fs::write(&args.output, &md).with_context(|| format!("writing {}", args.output.display()))?;
    print!("{md}");
    eprintln!("rbpf-bench: wrote {}", args.output.display());
    Ok(())
}
