//! The supervisor: everything `apply` started that must be stopped when it ends, however it
//! ends (success, a failed step, Ctrl-C).
//!
//! It knows nothing of what it stops: a capability hands it a [`Supervised`] (a service's
//! process group, a mock's server task) and the supervisor stops them in reverse start order,
//! as dependants must stop before what they depend on.

use futures_util::future::BoxFuture;
use tokio::sync::Mutex;

/// Something started during `apply` that must be stopped at its end.
pub trait Supervised: Send {
    /// Stops it and says how, as one line (`service.api stopped (SIGTERM)`).
    fn stop(self: Box<Self>) -> BoxFuture<'static, String>;
}

/// What `apply` started, in start order.
#[derive(Default)]
pub struct Supervisor {
    started: Mutex<Vec<Box<dyn Supervised>>>,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor").finish_non_exhaustive()
    }
}

impl Supervisor {
    /// Takes charge of something started.
    pub async fn adopt(&self, started: impl Supervised + 'static) {
        self.started.lock().await.push(Box::new(started));
    }

    /// Stops everything, last started first; returns one line per stopped item.
    pub async fn stop_all(&self) -> Vec<String> {
        let started: Vec<Box<dyn Supervised>> = self.started.lock().await.drain(..).collect();
        let mut lines = Vec::with_capacity(started.len());
        for item in started.into_iter().rev() {
            lines.push(item.stop().await);
        }
        lines
    }
}
