//! Count the system calls of one child process with rbpf, from Rust.
//!
//!     cargo run -p rbpf-core --example syscount [-- COMMAND ARGS...]
//!
//! Opens target/bpf/syscount.bpf.o, sets the .rodata filter `target_pid` before load,
//! attaches every auto-attachable program, runs the command, then prints the counts.

use rbpf_core::{Object, ObjectOpenOpts};
use std::process::{Command, Stdio};

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        args = vec!["ls".into(), "-l".into(), "/".into()];
    }
    let path = rbpf_testprogs::object_path("syscount");
    let mut obj = Object::open_file(&path, &ObjectOpenOpts::default())?;

    // Start the child stopped behind a pipe so the filter is in place before it runs.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("read _; exec \"$@\"")
        .arg("sh")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    let pid = child.id() as i32;

    let var = obj.global("target_pid").ok_or_else(|| anyhow::anyhow!("no target_pid in .rodata"))?;
    obj.maps()[var.map_index].write_data(var.offset, &pid.to_ne_bytes())?;
    // Only the tracepoint program is needed here.
    for prog in obj.programs_mut() {
        if prog.name() != "count_syscalls" {
            prog.set_autoload(false)?;
        }
    }
    obj.load()?;
    let _links = obj.attach_all()?;

    drop(child.stdin.take()); // EOF releases the child
    child.wait()?;

    let counts = obj.map("counts").ok_or_else(|| anyhow::anyhow!("no map 'counts'"))?;
    let mut rows = Vec::new();
    for key in counts.keys()? {
        if let Some(v) = counts.lookup(&key, 0)? {
            let id = u32::from_ne_bytes(key[..4].try_into()?);
            let n = u64::from_ne_bytes(v[..8].try_into()?);
            rows.push((n, id));
        }
    }
    rows.sort_unstable_by(|a, b| b.cmp(a));
    println!("{:>10}  {:>8}", "syscall", "count");
    for (n, id) in rows.iter().take(15) {
        println!("{id:>10}  {n:>8}");
    }
    println!("{} distinct syscalls from pid {pid} ({})", rows.len(), args.join(" "));
    Ok(())
}
