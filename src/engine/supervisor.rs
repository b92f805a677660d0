//! The supervisor: everything `apply` started that must be stopped when it ends, however it
//! ends (success, a failed step, Ctrl-C).
//!
//! It knows nothing of what it stops: a capability hands it a [`Supervised`] (a service's
//! process group, a mock's server task) and the supervisor stops them in reverse start order,
//! as dependants must stop before what they depend on.

use crate::manifest::Address;
use futures_util::future::BoxFuture;
use tokio::sync::Mutex;

/// Something started during `apply` that must be stopped at its end.
pub trait Supervised: Send {
    /// The node that started it.
    fn address(&self) -> &Address;

    /// How it ended, if it has ended on its own (`exited with exit status: 3` and what it
    /// logged last); None while it runs.
    fn exited(&mut self) -> Option<String>;

    /// Stops it and says how, as one line (`service.api stopped (SIGTERM)`).
    fn stop(self: Box<Self>) -> BoxFuture<'static, String>;
}

/// What `apply` started, in start order.
#[derive(Default)]
pub struct Supervisor {
    /// Each item, and whether its ending on its own was already reported.
    started: Mutex<Vec<(Box<dyn Supervised>, bool)>>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor").finish_non_exhaustive()
    }
}

impl Supervisor {
    /// Takes charge of something started.
    pub async fn adopt(&self, started: impl Supervised + 'static) {
        self.started.lock().await.push((Box::new(started), false));
    }

    /// Everything that has ended on its own since it was started, with how it ended; each is
    /// reported once. It stays supervised: what it left behind (a service's other processes)
    /// is still stopped by [`Supervisor::stop_all`].
    pub async fn exited(&self) -> Vec<(Address, String)> {
        let mut started = self.started.lock().await;
        let mut exited = Vec::new();
        for (item, reported) in started.iter_mut().filter(|(_, reported)| !*reported) {
            if let Some(how) = item.exited() {
                exited.push((item.address().clone(), how));
                *reported = true;
            }
        }
        exited
    }

    /// Stops everything, last started first; returns one line per stopped item.
    pub async fn stop_all(&self) -> Vec<String> {
        let started: Vec<_> = self.started.lock().await.drain(..).collect();
        let mut lines = Vec::with_capacity(started.len());
        for (item, _) in started.into_iter().rev() {
            lines.push(item.stop().await);
        }
        lines
    }
}
