//! The one error type: an errno plus a message that names what failed.

use std::fmt;

/// An rbpf error: a positive errno and a message naming the object, program, map or
/// section involved. Verifier rejections also carry the verifier log.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    errno: i32,
    message: String,
    verifier_log: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// `errno` is taken as positive whatever its sign.
    pub fn new(errno: i32, message: impl Into<String>) -> Self {
        Error { errno: errno.abs(), message: message.into(), verifier_log: None }
    }

    /// An error from the last OS call (`errno`), with context prepended.
    pub fn last_os(context: impl fmt::Display) -> Self {
        let e = std::io::Error::last_os_error();
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, format!("{context}: {}", errno_name(errno)))
    }

    /// A verifier rejection: the message plus the full verifier log.
    pub fn verifier(errno: i32, message: impl Into<String>, log: String) -> Self {
        Error { errno: errno.abs(), message: message.into(), verifier_log: Some(log) }
    }

    pub fn errno(&self) -> i32 {
        self.errno
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn verifier_log(&self) -> Option<&str> {
        self.verifier_log.as_deref()
    }

    /// The same error with `context: ` put before its message.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The symbolic errno name, for example `"EINVAL"`.
    pub fn code(&self) -> &'static str {
        errno_name(self.errno)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.code(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        let errno = e.raw_os_error().unwrap_or(libc::EIO);
        Error::new(errno, e.to_string())
    }
}

/// Build an `Err(Error)` with an errno constant and a formatted message.
#[macro_export]
macro_rules! bail {
    ($errno:expr, $($fmt:tt)+) => {
        return Err($crate::Error::new($errno, format!($($fmt)+)))
    };
}

/// The symbolic name of an errno value ("EINVAL"); "EUNKNOWN" for values outside the table.
pub fn errno_name(errno: i32) -> &'static str {
    use libc::*;
    match errno.abs() {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        E2BIG => "E2BIG",
        ENOEXEC => "ENOEXEC",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        ENOTTY => "ENOTTY",
        EFBIG => "EFBIG",
        ENOSPC => "ENOSPC",
        ESPIPE => "ESPIPE",
        EROFS => "EROFS",
        ERANGE => "ERANGE",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENOSYS => "ENOSYS",
        ENOTEMPTY => "ENOTEMPTY",
        ELOOP => "ELOOP",
        ENODATA => "ENODATA",
        EPROTO => "EPROTO",
        EBADMSG => "EBADMSG",
        EOVERFLOW => "EOVERFLOW",
        EOPNOTSUPP => "EOPNOTSUPP",
        EADDRINUSE => "EADDRINUSE",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENETDOWN => "ENETDOWN",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EALREADY => "EALREADY",
        EINPROGRESS => "EINPROGRESS",
        ENOTSUP_COMPAT => "ENOTSUP",
        _ => "EUNKNOWN",
    }
}

/// Linux's ENOTSUPP (524), used by the kernel for "operation not supported" internally.
const ENOTSUP_COMPAT: i32 = 524;
