//! Stopping a computation whose answer nobody waits for any more.
//!
//! The long loops of the engine (binning, study regions, the space-time cube, kernel
//! density) look at a [`Cancel`] between chunks of work and give up with [`Cancelled`]
//! once it is set. A flag shared between threads is not I/O: the engine stays pure, and
//! a computation that is never cancelled gives the same answer as one without a flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag a caller sets to stop a computation. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

/// The computation stopped because its [`Cancel`] was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the computation was stopped: nobody waits for its answer any more")]
pub struct Cancelled;

impl Cancel {
    /// A flag that is never set (what the plain entry points use).
    #[must_use]
    pub fn never() -> Self {
        Self(None)
    }

    /// A flag, not yet set.
    #[must_use]
    pub fn new() -> Self {
        Self(Some(Arc::new(AtomicBool::new(false))))
    }

    /// Asks every computation holding a clone of this flag to stop.
    pub fn cancel(&self) {
        if let Some(f) = &self.0 {
            f.store(true, Ordering::Relaxed);
        }
    }

    /// Whether [`Cancel::cancel`] was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// `Err(Cancelled)` once the flag is set.
    ///
    /// # Errors
    /// [`Cancelled`] when the flag is set.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// [`Cancel::check`] every `every`-th step `i` of a loop (and at step 0), so a
    /// loop over millions of cells looks at the flag often without paying for it.
    ///
    /// # Errors
    /// [`Cancelled`] when the flag is set.
    pub fn check_every(&self, i: usize, every: usize) -> Result<(), Cancelled> {
        if i.is_multiple_of(every) {
            self.check()
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag_and_never_is_never_set() {
        let c = Cancel::new();
        let d = c.clone();
        assert_eq!(d.check(), Ok(()));
        c.cancel();
        assert!(d.is_cancelled());
        assert_eq!(d.check(), Err(Cancelled));
        assert_eq!(d.check_every(3, 2), Ok(()));
        assert_eq!(d.check_every(4, 2), Err(Cancelled));
        let n = Cancel::never();
        n.cancel();
        assert_eq!(n.check(), Ok(()));
    }
}
