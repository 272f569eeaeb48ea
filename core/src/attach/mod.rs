//! Links and attach mechanisms (one file per link kind). Owned by the sys work.
//!
//! CONTRACT: `Link` owns its fds; `detach(&mut self)` is idempotent; Drop detaches.

use crate::Result;
use std::os::fd::RawFd;

pub struct Link {
    _todo: (),
}

impl Link {
    /// The link fd (or the perf event fd for perf-event-based links); -1 after detach.
    pub fn fd(&self) -> RawFd {
        todo!()
    }
    /// Detach and close; a second call is a no-op returning Ok.
    pub fn detach(&mut self) -> Result<()> {
        todo!()
    }
    pub fn is_detached(&self) -> bool {
        todo!()
    }
}
