//! Core errors → JS. napi-rs throws a plain Error; the JS layer turns it into a
//! `BpfError` with errno, code and verifier log, taken from the record kept here.

use napi::{Error, Status};
use napi_derive::napi;
use std::cell::RefCell;

thread_local! {
    // The last core error converted on this (the JS) thread; index.js takes it right
    // after catching, and matches it by message so a stale record is never used.
    static LAST: RefCell<Option<rbpf_core::Error>> = const { RefCell::new(None) };
}

/// A core error as a napi error, remembered for `takeLastError()`.
pub(crate) fn to_napi(e: rbpf_core::Error) -> Error {
    let msg = e.message().to_string();
    LAST.with(|l| *l.borrow_mut() = Some(e));
    Error::new(Status::GenericFailure, msg)
}

/// Build a core error from an errno and message and convert it.
pub(crate) fn napi_err(errno: i32, msg: impl Into<String>) -> Error {
    to_napi(rbpf_core::Error::new(errno, msg))
}

/// A JS TypeError (index.js maps status InvalidArg to TypeError).
pub(crate) fn type_error(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}

pub(crate) trait IntoNapi<T> {
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for rbpf_core::Result<T> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}

#[napi(object)]
pub struct LastError {
    pub errno: i32,
    pub code: String,
    pub message: String,
    pub verifier_log: Option<String>,
}

/// The last core error thrown on this thread (then forgotten), for index.js.
#[napi(catch_unwind)]
pub fn take_last_error() -> Option<LastError> {
    LAST.with(|l| l.borrow_mut().take()).map(|e| LastError {
        errno: e.errno(),
        code: e.code().to_string(),
        message: e.message().to_string(),
        verifier_log: e.verifier_log().map(str::to_string),
    })
}
