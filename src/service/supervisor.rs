//! The supervisor: everything `apply` started that must be stopped when it ends.

use super::RunningService;
use tokio::sync::Mutex;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A background task (a mock server) and the way to ask it to stop.
#[derive(Debug)]
struct BackgroundTask {
    name: String,
    shutdown: oneshot::Sender<()>,
    handle: JoinHandle<()>,
}

/// Services and background tasks started by `apply`.
#[derive(Debug, Default)]
pub struct Supervisor {
    services: Mutex<Vec<RunningService>>,
    tasks: Mutex<Vec<BackgroundTask>>,
}

impl Supervisor {
    /// Takes charge of a running service.
    pub async fn adopt(&self, service: RunningService) {
        self.services.lock().await.push(service);
    }

    /// Takes charge of a background task that stops when `shutdown` fires.
    pub async fn adopt_task(
        &self,
        name: &str,
        shutdown: oneshot::Sender<()>,
        handle: JoinHandle<()>,
    ) {
        self.tasks.lock().await.push(BackgroundTask {
            name: name.to_owned(),
            shutdown,
            handle,
        });
    }

    /// Stops everything, services in reverse start order; returns one line per stopped item.
    pub async fn stop_all(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let services: Vec<RunningService> = self.services.lock().await.drain(..).collect();
        for service in services.into_iter().rev() {
            let name = service.name.clone();
            let how = service.stop().await;
            lines.push(format!("service.{name} {how}"));
        }
        let tasks: Vec<BackgroundTask> = self.tasks.lock().await.drain(..).collect();
        for task in tasks.into_iter().rev() {
            let _ = task.shutdown.send(());
            let _ = task.handle.await;
            lines.push(format!("{} stopped", task.name));
        }
        lines
    }
}
