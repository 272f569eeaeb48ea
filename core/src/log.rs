//! libbpf's print callback: levels warn / info / debug, one process-wide printer.
//!
//! The default printer writes warn and info to stderr, prefixed "rbpf: "; the
//! `RBPF_LOG_LEVEL` environment variable (warn|info|debug) moves the threshold.

use parking_lot::RwLock;
use std::sync::{Arc, OnceLock};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrintLevel {
    Warn = 0,
    Info = 1,
    Debug = 2,
}

/// A printer receives the level and the finished message (already prefixed "rbpf: ",
/// ending in a newline, like libbpf's messages).
pub type PrintFn = Arc<dyn Fn(PrintLevel, &str) + Send + Sync>;

enum Printer {
    Default,
    Silent,
    Custom(PrintFn),
}

fn printer() -> &'static RwLock<Printer> {
    static P: OnceLock<RwLock<Printer>> = OnceLock::new();
    P.get_or_init(|| RwLock::new(Printer::Default))
}

fn default_threshold() -> PrintLevel {
    static T: OnceLock<PrintLevel> = OnceLock::new();
    *T.get_or_init(|| match std::env::var("RBPF_LOG_LEVEL") {
        Ok(v) => match v.to_ascii_lowercase().as_str() {
            "warn" => PrintLevel::Warn,
            "info" => PrintLevel::Info,
            "debug" => PrintLevel::Debug,
            _ => {
                eprintln!("rbpf: unrecognized RBPF_LOG_LEVEL '{v}', using 'info'");
                PrintLevel::Info
            }
        },
        Err(_) => PrintLevel::Info,
    })
}

/// What a previous `set_print` call had installed.
pub enum PreviousPrinter {
    Default,
    Silent,
    Custom(PrintFn),
}

/// Install a printer; `None` silences everything. Returns the previous one.
pub fn set_print(f: Option<PrintFn>) -> PreviousPrinter {
    let new = match f {
        Some(f) => Printer::Custom(f),
        None => Printer::Silent,
    };
    let old = std::mem::replace(&mut *printer().write(), new);
    match old {
        Printer::Default => PreviousPrinter::Default,
        Printer::Silent => PreviousPrinter::Silent,
        Printer::Custom(f) => PreviousPrinter::Custom(f),
    }
}

/// Put back the library's default stderr printer.
pub fn reset_print() {
    *printer().write() = Printer::Default;
}

/// Emit one message. Prefer the `warn!` / `info!` / `debug!` macros.
pub fn print(level: PrintLevel, msg: std::fmt::Arguments<'_>) {
    let guard = printer().read();
    match &*guard {
        Printer::Silent => {}
        Printer::Default => {
            if level <= default_threshold() {
                eprintln!("rbpf: {msg}");
            }
        }
        Printer::Custom(f) => {
            let f = f.clone();
            drop(guard); // a printer may call set_print itself
            let text = format!("rbpf: {msg}\n");
            // errno is preserved across the callback, as libbpf does.
            let saved = std::io::Error::last_os_error().raw_os_error();
            f(level, &text);
            if let Some(e) = saved {
                crate::sys::set_errno(e);
            }
        }
    }
}

#[macro_export]
macro_rules! warn {
    ($($t:tt)+) => { $crate::log::print($crate::log::PrintLevel::Warn, format_args!($($t)+)) };
}
#[macro_export]
macro_rules! info {
    ($($t:tt)+) => { $crate::log::print($crate::log::PrintLevel::Info, format_args!($($t)+)) };
}
#[macro_export]
macro_rules! debug {
    ($($t:tt)+) => { $crate::log::print($crate::log::PrintLevel::Debug, format_args!($($t)+)) };
}
