//! The `mock` node's executor and `backendctl mock`: routes from the manifest become
//! [`RouteBehavior`]s served by [`MockServer`]. During `apply` the server runs in the
//! background until apply ends (the supervisor stops it), so later scenarios can target it.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};

use crate::engine::{ApplyContext, PlanContext, Supervised, impl_node};
use futures_util::future::BoxFuture;

use crate::engine::{Action, Outcome, Step};
use crate::manifest::model::{Mock, MockRoute};
use crate::manifest::rules;
use crate::manifest::{Address, NodeKind};
use crate::mock::Error;
use crate::mock::route_behavior::{Latency, RouteBehavior, Stall};
use crate::mock::server::MockServer;

/// The `mock` node kind.
#[derive(Debug, Clone, Copy)]
pub struct MockNode;

impl_node!(MockNode,
    plan(context, name) => plan(context, name),
    apply(context, step) => apply(context, step).await,
);

/// The behaviour of every route of `mock`.
pub(crate) fn routes_of(name: &str, mock: &Mock) -> Result<Vec<RouteBehavior>, Error> {
    let table: Vec<(&str, &str)> = mock
        .route
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    // The router is checked before axum sees it: axum panics on a route it refuses.
    rules::mock_routes(&table).map_err(|(index, violation)| Error::Invalid {
        name: name.to_owned(),
        reason: format!("route {} {violation}", index + 1),
    })?;
    mock.route.iter().map(|r| route_of(name, r)).collect()
}

fn route_of(name: &str, route: &MockRoute) -> Result<RouteBehavior, Error> {
    let invalid = |reason: String| Error::Invalid {
        name: name.to_owned(),
        reason: format!("route {} {}: {reason}", route.method, route.path),
    };
    let method = rules::http_method(&route.method).map_err(|v| invalid(v.reason))?;
    let status = |code: u16| {
        StatusCode::from_u16(code).map_err(|_| invalid(format!("{code} is not a status")))
    };
    let mut headers = Vec::new();
    for h in &route.header {
        let header_name =
            rules::header_name(&h.name).map_err(|v| invalid(format!("`{}` {v}", h.name)))?;
        let value = rules::header_value(h.value.expose())
            .map_err(|v| invalid(format!("header `{}` {v}", h.name)))?;
        headers.push((header_name, value));
    }
    rules::at_most_one(&[
        ("body", route.body.is_some()),
        ("json", route.json.is_some()),
    ])
    .map_err(|v| invalid(v.reason))?;
    let body = match (&route.body, &route.json) {
        (Some(b), _) => Bytes::from(b.clone()),
        (None, Some(j)) => {
            rules::json_text(j).map_err(|v| invalid(format!("`json` {v}")))?;
            if !headers.iter().any(|(n, _)| n == http::header::CONTENT_TYPE) {
                headers.push((
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ));
            }
            Bytes::from(j.clone())
        }
        (None, None) => Bytes::new(),
    };
    let latency = match (route.latency, route.latency_p99) {
        (None, None) => Latency::None,
        (Some(d), None) => Latency::Fixed(d.get()),
        (median, Some(p99)) => Latency::LogNormal {
            median: median.map_or(p99.get() / 10, |m| m.get()),
            p99: p99.get(),
        },
    };
    Ok(RouteBehavior {
        method,
        path: route.path.clone(),
        status: status(route.status.unwrap_or(200))?,
        headers,
        body,
        latency,
        error_rate: route.error_rate.unwrap_or(0.0),
        error_status: status(route.error_status.unwrap_or(500))?,
        reset_rate: route.reset_rate.unwrap_or(0.0),
        stall: route.stall_every.map(|every| Stall {
            every: every.get(),
            length: route.stall_for.map_or(Duration::from_secs(1), |d| d.get()),
        }),
    })
}

/// Checks that `listen` is a loopback socket address. `shown` is how a message names it: the
/// value quoted, or the field and variable when it was read from the environment (it may be
/// a secret; see [`crate::manifest::LoadedManifest::describe_value`]).
pub(crate) fn check_listen(name: &str, listen: &str, shown: &str) -> Result<(), Error> {
    rules::loopback_listen(listen)
        .map(|_| ())
        .map_err(|violation| Error::Invalid {
            name: name.to_owned(),
            reason: format!("{shown} {violation}; {}", violation.help),
        })
}

/// The JSON pointer of mock `name`'s `listen`.
pub(crate) fn listen_pointer(name: &str) -> String {
    format!(
        "/mock/{}/listen",
        crate::manifest::span_table::escape_segment(name)
    )
}

fn mock<'a>(manifest: &'a crate::manifest::Manifest, name: &str) -> Result<&'a Mock, Error> {
    manifest.mock.get(name).ok_or_else(|| Error::Invalid {
        name: name.to_owned(),
        reason: "no such mock in the manifest".to_owned(),
    })
}

/// Plans a `mock` node: it always starts.
fn plan(context: &PlanContext<'_>, name: &str) -> Result<Step, Error> {
    let mock = mock(context.manifest(), name)?;
    let shown = context.describe_value(&listen_pointer(name), &mock.listen);
    check_listen(name, &mock.listen, &shown)?;
    let routes = routes_of(name, mock)?;
    let address = Address {
        kind: NodeKind::Mock,
        name: name.to_owned(),
    };
    let mut step = Step::new(
        address,
        Action::Run,
        format!("serve {} route(s) on http://{}", routes.len(), mock.listen),
    );
    for r in &routes {
        step.details
            .push(format!("{} {} -> {}", r.method, r.path, r.status.as_u16()));
    }
    Ok(step)
}

/// Starts the mock in the background; the supervisor stops it when apply ends.
async fn apply(context: &ApplyContext<'_>, step: &Step) -> Result<Outcome, Error> {
    let name = step.address.name.as_str();
    let mock = mock(context.manifest(), name)?;
    let shown = context
        .plan
        .describe_value(&listen_pointer(name), &mock.listen);
    check_listen(name, &mock.listen, &shown)?;
    let server = MockServer::start(&mock.listen, routes_of(name, mock)?).await?;
    let addr = server.addr;
    let (shutdown, handle) = server.into_parts();
    context
        .supervisor
        .adopt(ServingMock {
            address: step.address.clone(),
            shutdown,
            handle,
        })
        .await;
    Ok(Outcome::done(format!("listening on http://{addr}")))
}

/// A mock served in the background during `apply`, and the way to ask it to stop.
struct ServingMock {
    address: Address,
    shutdown: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<()>,
}

impl Supervised for ServingMock {
    fn address(&self) -> &Address {
        &self.address
    }

    fn exited(&mut self) -> Option<String> {
        self.handle.is_finished().then(|| {
            format!(
                "{} stopped serving while apply still needed it",
                self.address
            )
        })
    }

    fn stop(self: Box<Self>) -> BoxFuture<'static, String> {
        Box::pin(async move {
            let _ = self.shutdown.send(());
            let _ = self.handle.await;
            format!("{} stopped", self.address)
        })
    }
}
