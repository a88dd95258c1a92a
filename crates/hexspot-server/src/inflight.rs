//! Computations in progress and the requests waiting for them: when the last waiting
//! request goes (its client left, or its timeout fired and dropped it), the
//! computation's [`Cancel`] is set and the engine stops at its next check, so abandoned
//! work does not keep a core busy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hexspot_engine::Cancel;

/// Per cache key: how many requests wait for its computation, and the flag that stops it.
#[derive(Default)]
pub(crate) struct InFlight(Mutex<HashMap<String, (usize, Cancel)>>);

/// One request's interest in a computation; dropping it withdraws the interest.
pub(crate) struct Waiting {
    inflight: Arc<InFlight>,
    key: String,
    cancel: Cancel,
}

impl InFlight {
    /// Registers a request waiting for `key`'s computation.
    pub(crate) fn join(self: &Arc<Self>, key: &str) -> Waiting {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry(key.to_owned())
            .or_insert_with(|| (0, Cancel::new()));
        entry.0 += 1;
        Waiting {
            inflight: Arc::clone(self),
            key: key.to_owned(),
            cancel: entry.1.clone(),
        }
    }

    /// Requests waiting for `key`'s computation.
    #[cfg(test)]
    pub(crate) fn waiters(&self, key: &str) -> usize {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).map_or(0, |e| e.0)
    }
}

impl Waiting {
    /// The flag the computation for this key watches.
    pub(crate) fn cancel(&self) -> &Cancel {
        &self.cancel
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut map = self.inflight.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = map.get_mut(&self.key) {
            entry.0 -= 1;
            if entry.0 == 0 {
                // nobody waits any more: stop the work (a finished one ignores it)
                entry.1.cancel();
                map.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_work_is_cancelled_when_the_last_waiting_request_goes() {
        let f = Arc::new(InFlight::default());
        let a = f.join("q");
        let b = f.join("q");
        let other = f.join("r");
        let flag = a.cancel().clone();
        drop(a);
        assert!(!flag.is_cancelled(), "b still waits");
        drop(b);
        assert!(flag.is_cancelled());
        assert!(!other.cancel().is_cancelled());
        assert_eq!((f.waiters("q"), f.waiters("r")), (0, 1));
        // a request after the cancellation gets a fresh flag
        let c = f.join("q");
        assert!(!c.cancel().is_cancelled());
        assert_eq!(f.waiters("q"), 1);
        drop((c, other));
        assert_eq!((f.waiters("q"), f.waiters("r")), (0, 0));
    }
}
