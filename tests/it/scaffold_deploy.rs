//! The `kubernetes` and `grafana` features' files, checked offline for every stack, alone and
//! with every other feature:
//!
//! - each Kubernetes manifest against the JSON schemas of Kubernetes [`KUBERNETES_VERSION`]
//!   (strict: an unknown field is an error), from the `kubernetes-validate` package pinned in
//!   `tests/python-tools.txt`, which bundles them;
//! - a policy of our own ([`policy_violations`]): no `latest` (or missing) image tag, requests and
//!   limits on every container, liveness and readiness probes on every long-running one, a
//!   non-root user, a read-only root filesystem, no privilege escalation, and no secret-looking
//!   variable given a literal value;
//! - the dashboard: valid JSON, its schema version pinned, panel ids unique, every panel inside
//!   the 24-column grid, every query naming a metric selector (the generated projects' own
//!   `dashboard` tests check those names against the metrics the application exports).
//!
//! The schema check needs the Python tools (`ScaffoldMatrix` switch, as the other scaffold
//! validators); the policy and dashboard checks are plain Rust and always run, and a negative test
//! proves the policy fails a manifest with a `latest` tag, no probes and no limits.

use std::collections::BTreeSet;
use std::process::Command;

use backendctl::scaffold::project_name::ProjectName;
use backendctl::scaffold::template_set::{RenderedTree, render};
use backendctl::scaffold::{Feature, ScaffoldOptions, Stack};
use serde_json::Value;

use crate::harness::{Test, trial};
use crate::scaffold_matrix_python::tools;

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            kubernetes_manifests_pass_the_pinned_schemas_and_the_policy,
            needs = [ScaffoldMatrix, Python]
        ),
        trial!(kubernetes_manifests_pass_the_policy),
        trial!(the_policy_rejects_latest_tags_missing_probes_and_missing_limits),
        trial!(grafana_dashboards_are_well_formed),
    ]
}

/// The Kubernetes release whose API the manifests are checked against (docs/scaffold.md).
const KUBERNETES_VERSION: &str = "1.35.0";

/// The Grafana dashboard schema version the dashboards pin.
const DASHBOARD_SCHEMA_VERSION: u64 = 41;

/// The options of a `shop-api` project as the command line selects them (`grafana` brings
/// `metrics`).
fn options(stack: Stack, features: &[Feature]) -> ScaffoldOptions {
    ScaffoldOptions::new(
        ProjectName::new("shop-api").unwrap(),
        stack,
        backendctl::scaffold::options::select_features(false, Some(features), &[]),
    )
}

/// Each stack with the feature alone and with every feature.
fn renders(feature: Feature) -> Vec<(String, RenderedTree)> {
    let mut out = Vec::new();
    for stack in Stack::ALL {
        for (label, features) in [("alone", vec![feature]), ("full", Feature::ALL.to_vec())] {
            out.push((
                format!("{stack}-{label}"),
                render(&options(stack, &features)).unwrap(),
            ));
        }
    }
    out
}

/// The rendered Kubernetes manifests: path and text.
fn manifests(tree: &RenderedTree) -> Vec<(String, String)> {
    let found: Vec<(String, String)> = tree
        .iter()
        .filter(|(path, _)| {
            let path = path.to_string();
            path.starts_with("k8s/") && path.ends_with(".yaml")
        })
        .map(|(path, text)| (path.to_string(), text.clone()))
        .collect();
    assert!(!found.is_empty(), "no manifests rendered");
    found
}

/// Every YAML document of `text`, as JSON values.
fn documents(path: &str, text: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|doc| {
            serde_norway::from_value::<Value>(
                serde::Deserialize::deserialize(doc)
                    .unwrap_or_else(|e| panic!("{path} is not YAML: {e}")),
            )
            .unwrap_or_else(|e| panic!("{path}: {e}"))
        })
        .filter(|v| !v.is_null())
        .collect()
}

/// What a manifest breaks of the policy, each as "kind/name: problem".
fn policy_violations(doc: &Value) -> Vec<String> {
    let kind = doc["kind"].as_str().unwrap_or("?");
    let name = doc["metadata"]["name"].as_str().unwrap_or("?");
    let mut problems = Vec::new();
    let (pod, long_running) = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
            (&doc["spec"]["template"]["spec"], true)
        }
        "Job" => (&doc["spec"]["template"]["spec"], false),
        "CronJob" => (
            &doc["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            false,
        ),
        "Pod" => (&doc["spec"], true),
        _ => return problems,
    };
    let pod_non_root = pod["securityContext"]["runAsNonRoot"] == Value::Bool(true);
    let containers = pod["containers"].as_array().cloned().unwrap_or_default();
    if containers.is_empty() {
        problems.push("no containers".to_owned());
    }
    let init = pod["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (container, is_init) in containers
        .iter()
        .map(|c| (c, false))
        .chain(init.iter().map(|c| (c, true)))
    {
        let cname = container["name"].as_str().unwrap_or("?");
        let mut problem = |what: &str| problems.push(format!("container {cname}: {what}"));
        let image = container["image"].as_str().unwrap_or("");
        // The tag is what follows the last ':' after the last '/' (a registry port is not a tag).
        let last = image.rsplit('/').next().unwrap_or(image);
        let tag = last.split_once(':').map(|(_, tag)| tag);
        if !image.contains("@sha256:") {
            match tag {
                None => problem("the image has no tag (that is `latest`)"),
                Some("latest") => problem("the image tag is `latest`"),
                Some(_) => {}
            }
        }
        for bound in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                if container["resources"][bound][resource].is_null() {
                    problem(&format!("no {resource} {bound}"));
                }
            }
        }
        if long_running && !is_init {
            for probe in ["livenessProbe", "readinessProbe"] {
                if container[probe].is_null() {
                    problem(&format!("no {probe}"));
                }
            }
        }
        let security = &container["securityContext"];
        if !pod_non_root && security["runAsNonRoot"] != Value::Bool(true) {
            problem("may run as root (runAsNonRoot is not true)");
        }
        if security["readOnlyRootFilesystem"] != Value::Bool(true) {
            problem("the root filesystem is writable");
        }
        if security["allowPrivilegeEscalation"] != Value::Bool(false) {
            problem("allowPrivilegeEscalation is not false");
        }
        for env in container["env"].as_array().into_iter().flatten() {
            let var = env["name"].as_str().unwrap_or("");
            let secretish = ["SECRET", "TOKEN", "PASSWORD", "DATABASE_URL", "REDIS_URL"]
                .iter()
                .any(|s| var.contains(s));
            if secretish && !env["value"].is_null() {
                problem(&format!("{var} is inlined instead of read from a Secret"));
            }
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{kind}/{name}: {p}"))
        .collect()
}

/// Checks every rendered manifest against the policy and the shape the issue asks for; returns
/// the manifests' files per render for the schema check.
fn check_policy() -> Vec<(String, Vec<(String, String)>)> {
    let mut all = Vec::new();
    for (label, tree) in renders(Feature::Kubernetes) {
        let files = manifests(&tree);
        let mut kinds = BTreeSet::new();
        for (path, text) in &files {
            for doc in documents(path, text) {
                let violations = policy_violations(&doc);
                assert!(violations.is_empty(), "{label} {path}: {violations:#?}");
                kinds.insert(doc["kind"].as_str().unwrap_or("?").to_owned());
                if doc["kind"] == "HorizontalPodAutoscaler" {
                    assert_eq!(doc["apiVersion"], "autoscaling/v2", "{label} {path}");
                }
                if doc["kind"] == "PodDisruptionBudget" {
                    assert_eq!(doc["apiVersion"], "policy/v1", "{label} {path}");
                }
                if doc["kind"] == "Deployment" {
                    let container = &doc["spec"]["template"]["spec"]["containers"][0];
                    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/health");
                    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/ready");
                    let port = if label.starts_with("fastapi") {
                        8000
                    } else {
                        3000
                    };
                    assert_eq!(container["ports"][0]["containerPort"], port, "{label}");
                }
            }
        }
        let mut expected: BTreeSet<String> = [
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        ]
        .map(str::to_owned)
        .into();
        if label.ends_with("full") {
            // The full render has the database: a Secret for it and the migrations Job.
            expected.extend(["Secret".to_owned(), "Job".to_owned()]);
        }
        assert_eq!(kinds, expected, "{label}");
        // Applying k8s/app/ never applies the Secret example.
        assert!(
            !files
                .iter()
                .any(|(p, _)| p.starts_with("k8s/app/") && p.contains("secret")),
            "{label}"
        );
        all.push((label, files));
    }
    all
}

fn kubernetes_manifests_pass_the_policy() {
    check_policy();
}

fn kubernetes_validate(files: &[std::path::PathBuf]) -> std::process::Output {
    Command::new(tools().join("kubernetes-validate"))
        .args([
            "--strict",
            "--kubernetes-version",
            KUBERNETES_VERSION,
            "--quiet",
        ])
        .args(files)
        .output()
        .expect("run kubernetes-validate")
}

fn kubernetes_manifests_pass_the_pinned_schemas_and_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    for (label, files) in check_policy() {
        let mut paths = Vec::new();
        for (path, text) in files {
            let file = tmp.path().join(&label).join(&path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, text).unwrap();
            paths.push(file);
        }
        let output = kubernetes_validate(&paths);
        assert!(
            output.status.success(),
            "{label}: kubernetes-validate {KUBERNETES_VERSION}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The validator does catch mistakes: a misspelt field and a wrong type.
    let broken = tmp.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: two\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n        - name: x\n          image: x:1\n          livenessprobe: {}\n",
    )
    .unwrap();
    let output = kubernetes_validate(&[broken]);
    assert!(
        !output.status.success(),
        "kubernetes-validate accepted a broken Deployment"
    );
}

fn the_policy_rejects_latest_tags_missing_probes_and_missing_limits() {
    let bad = r"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  selector:
    matchLabels: {app: bad}
  template:
    metadata:
      labels: {app: bad}
    spec:
      containers:
        - name: api
          image: registry.example.com:5000/bad:latest
          env:
            - name: JWT_SECRET
              value: inlined
          resources:
            requests: {cpu: 100m, memory: 64Mi}
        - name: sidecar
          image: busybox
          resources:
            requests: {cpu: 10m, memory: 8Mi}
            limits: {cpu: 10m, memory: 8Mi}
          livenessProbe: {exec: {command: [true]}}
          readinessProbe: {exec: {command: [true]}}
          securityContext:
            runAsNonRoot: true
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
";
    let docs = documents("bad.yaml", bad);
    let violations = policy_violations(&docs[0]);
    for expected in [
        "container api: the image tag is `latest`",
        "container api: no cpu limits",
        "container api: no memory limits",
        "container api: no livenessProbe",
        "container api: no readinessProbe",
        "container api: may run as root (runAsNonRoot is not true)",
        "container api: the root filesystem is writable",
        "container api: JWT_SECRET is inlined instead of read from a Secret",
        "container sidecar: the image has no tag (that is `latest`)",
    ] {
        assert!(
            violations.contains(&format!("Deployment/bad: {expected}")),
            "missing `{expected}` in {violations:#?}"
        );
    }
    // A registry port is not a tag; a digest needs none.
    let pinned = bad
        .replace(
            "registry.example.com:5000/bad:latest",
            "registry.example.com:5000/bad@sha256:0123",
        )
        .replace("image: busybox", "image: busybox:1.37");
    let violations = policy_violations(&documents("pinned.yaml", &pinned)[0]);
    assert!(
        !violations.iter().any(|v| v.contains("tag")),
        "{violations:#?}"
    );
}

/// The metric names of a PromQL query, as the generated tests read them: each `name{`.
fn selector_names(expr: &str) -> Vec<String> {
    let bytes = expr.as_bytes();
    let mut names = Vec::new();
    for (i, _) in expr.match_indices('{') {
        let start = expr[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |p| p + 1);
        if start < i && !bytes[start].is_ascii_digit() {
            names.push(expr[start..i].to_owned());
        }
    }
    names
}

fn grafana_dashboards_are_well_formed() {
    for (label, tree) in renders(Feature::Grafana) {
        let text = tree
            .iter()
            .find(|(p, _)| p.to_string() == "grafana/dashboard.json")
            .map(|(_, t)| t)
            .unwrap_or_else(|| panic!("{label}: no grafana/dashboard.json"));
        let dashboard: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            dashboard["schemaVersion"], DASHBOARD_SCHEMA_VERSION,
            "{label}"
        );
        let panels = dashboard["panels"].as_array().unwrap();
        let ids: BTreeSet<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
        assert_eq!(ids.len(), panels.len(), "{label}: panel ids repeat");
        let mut metrics = BTreeSet::new();
        for panel in panels {
            let grid = &panel["gridPos"];
            let (x, w) = (grid["x"].as_u64().unwrap(), grid["w"].as_u64().unwrap());
            assert!(x + w <= 24, "{label}: {} leaves the grid", panel["title"]);
            for target in panel["targets"].as_array().into_iter().flatten() {
                let expr = target["expr"].as_str().unwrap();
                let names = selector_names(expr);
                assert!(!names.is_empty(), "{label}: no metric selector in {expr}");
                metrics.extend(names);
            }
        }
        assert!(
            metrics.contains("http_request_duration_seconds_bucket"),
            "{label}"
        );
        // The runtime's panels, and the project's test of the names against its own metrics.
        let (runtime, test) = if label.starts_with("fastapi") {
            ("python_gc_collections_total", "tests/test_dashboard.py")
        } else {
            ("nodejs_eventloop_lag_p99_seconds", "test/dashboard.test.ts")
        };
        assert!(metrics.contains(runtime), "{label}: {metrics:?}");
        // The cache panel exactly when there is a cache.
        assert_eq!(
            metrics.contains("cache_lookups_total"),
            label.ends_with("full"),
            "{label}"
        );
        assert!(
            tree.keys().any(|p| p.to_string() == test),
            "{label}: no {test}"
        );
    }
}

/// Whether `feature` alone renders exactly the minimal project plus files below `k8s/` and a
/// section of `README.md` (the `kubernetes` feature): then its single-feature cell of a matrix
/// would check the minimal project's code again, and this file's checks cover what it adds. The
/// matrices skip such cells (every pair stays covered: the code of "this feature on, the other
/// off" is the minimal project's, byte for byte).
pub(crate) fn adds_only_deploy_files(stack: Stack, feature: Feature) -> bool {
    let single = render(&options(stack, &[feature])).unwrap();
    let minimal = render(&options(stack, &[])).unwrap();
    minimal
        .iter()
        .all(|(path, text)| path.as_str() == "README.md" || single.get(path) == Some(text))
        && single
            .keys()
            .all(|path| minimal.contains_key(path) || path.as_str().starts_with("k8s/"))
}
