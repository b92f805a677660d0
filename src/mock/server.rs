//! The mock HTTP server (axum on hyper): serves a mock's routes on a TCP listener until it is
//! told to stop.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter};
use tokio::net::TcpListener;
use tokio::time::Instant;

use crate::mock::route_behavior::RouteBehavior;

/// A running mock server.
pub(crate) struct MockServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// A mock server that could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MockError {
    #[error("cannot listen on {addr}: {source}")]
    #[diagnostic(
        code(mock::listen),
        help("is another process using that port? pick another `listen` address")
    )]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("route {method} {path}: {reason}")]
    #[diagnostic(code(mock::route))]
    Route {
        method: String,
        path: String,
        reason: String,
    },
    #[error("the mock server failed: {0}")]
    #[diagnostic(code(mock::serve))]
    Serve(std::io::Error),
}

/// Builds the router for `routes`.
pub(crate) fn router(routes: Vec<RouteBehavior>) -> Result<Router, MockError> {
    let started = Instant::now();
    let rng = Arc::new(Mutex::new(fastrand::Rng::with_seed(0x5eed)));
    let mut by_path: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for route in routes {
        let route_err = |reason: String| MockError::Route {
            method: route.method.to_string(),
            path: route.path.clone(),
            reason,
        };
        let filter =
            MethodFilter::try_from(route.method.clone()).map_err(|e| route_err(e.to_string()))?;
        if !route.path.starts_with('/') {
            return Err(route_err("the path must start with /".to_owned()));
        }
        let path = route.path.clone();
        let route = Arc::new(route);
        let rng = Arc::clone(&rng);
        let handler = move || {
            let (route, rng) = (Arc::clone(&route), Arc::clone(&rng));
            async move { answer(&route, &rng, started).await }
        };
        let methods = by_path.remove(&path).unwrap_or_default();
        by_path.insert(path, methods.on(filter, handler));
    }
    let mut router = Router::new();
    for (path, methods) in by_path {
        router = router.route(&path, methods);
    }
    Ok(router)
}

async fn answer(route: &RouteBehavior, rng: &Mutex<fastrand::Rng>, started: Instant) -> Response {
    let (delay, error, reset) = {
        let mut rng = rng.lock().expect("rng lock");
        (
            route.latency.sample(&mut rng),
            route.error_rate > 0.0 && rng.f64() < route.error_rate,
            route.reset_rate > 0.0 && rng.f64() < route.reset_rate,
        )
    };
    if let Some(stall) = route.stall {
        let wait = stall.wait(started.elapsed());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if reset {
        // A body that fails after the headers: hyper cuts the connection mid-response.
        let failing = futures_util::stream::once(async {
            Err::<bytes::Bytes, _>(std::io::Error::from(std::io::ErrorKind::ConnectionReset))
        });
        return Response::builder()
            .status(route.status)
            .header(http::header::CONTENT_LENGTH, 1_000_000)
            .body(Body::from_stream(failing))
            .expect("valid response");
    }
    let status = if error {
        route.error_status
    } else {
        route.status
    };
    let mut builder = Response::builder().status(status);
    for (name, value) in &route.headers {
        builder = builder.header(name, value);
    }
    let body = if error {
        Body::from("injected error")
    } else {
        Body::from(route.body.clone())
    };
    builder.body(body).expect("valid response")
}

impl MockServer {
    /// Binds `addr` and serves `routes` in the background.
    pub(crate) async fn start(addr: &str, routes: Vec<RouteBehavior>) -> Result<Self, MockError> {
        let router = router(routes)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| MockError::Listen {
                addr: addr.to_owned(),
                source,
            })?;
        let local = listener.local_addr().map_err(MockError::Serve)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(Self {
            addr: local,
            shutdown: Some(tx),
            task,
        })
    }

    /// The shutdown trigger and a handle that ends when the server has stopped, for a
    /// supervisor to own.
    pub(crate) fn into_parts(
        mut self,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ) {
        let shutdown = self
            .shutdown
            .take()
            .expect("a started server has a shutdown trigger");
        let task = self.task;
        let handle = tokio::spawn(async move {
            if let Ok(Err(e)) = task.await {
                tracing::warn!("mock server failed: {e}");
            }
        });
        (shutdown, handle)
    }

    /// Stops serving; connections in flight are closed.
    pub(crate) fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}
