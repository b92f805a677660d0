//! Every end-to-end test of backendctl, in one binary: the real `backendctl` run through one
//! builder ([`binary::Backendctl`]), real databases, real sockets.
//!
//! Each area is a module whose `tests()` lists its test functions with what they need from the
//! machine (`trial!(name, needs = [Postgres])`); [`harness`] probes those requirements once and
//! runs everything as libtest would. See `docs/architecture.md`, "Tests".

mod binary;
mod common;
mod harness;
mod load_common;
mod migrate_support;

mod annotations;
mod apply;
mod architecture;
mod ci_docs;
mod cli;
mod diagnostics;
mod examples;
mod github_action;
mod load_adhoc;
mod load_conformance;
mod load_scenario;
mod load_tls;
mod manifest_mutation;
mod migrate_adopt;
mod migrate_concurrency;
mod migrate_create_database;
mod migrate_engines;
mod migrate_executor;
mod migrate_guidance;
mod migrate_layouts;
mod migrate_lint;
mod migrate_manifest;
mod migrate_mongodb;
mod mock_server;
mod plan;
mod report_cli;
mod report_html;
mod scaffold_deploy;
mod scaffold_example_shop;
mod scaffold_manifest;
mod scaffold_matrix;
mod scaffold_matrix_mongodb;
mod scaffold_matrix_python;
mod scaffold_migrations;
mod scaffold_reapply;
mod scaffold_schemathesis;
mod scaffold_snapshots;
mod scaffold_validate;
mod schema;
mod secrets;
mod service;

fn main() -> std::process::ExitCode {
    harness::run(
        [
            annotations::tests(),
            apply::tests(),
            architecture::tests(),
            ci_docs::tests(),
            cli::tests(),
            diagnostics::tests(),
            examples::tests(),
            github_action::tests(),
            load_adhoc::tests(),
            load_conformance::tests(),
            load_scenario::tests(),
            load_tls::tests(),
            manifest_mutation::tests(),
            migrate_adopt::tests(),
            migrate_concurrency::tests(),
            migrate_create_database::tests(),
            migrate_engines::tests(),
            migrate_executor::tests(),
            migrate_layouts::tests(),
            migrate_guidance::tests(),
            migrate_lint::tests(),
            migrate_manifest::tests(),
            migrate_mongodb::tests(),
            mock_server::tests(),
            plan::tests(),
            report_cli::tests(),
            report_html::tests(),
            scaffold_deploy::tests(),
            scaffold_example_shop::tests(),
            scaffold_manifest::tests(),
            scaffold_migrations::tests(),
            scaffold_matrix::tests(),
            scaffold_matrix_mongodb::tests(),
            scaffold_matrix_python::tests(),
            scaffold_schemathesis::tests(),
            scaffold_reapply::tests(),
            scaffold_snapshots::tests(),
            scaffold_validate::tests(),
            schema::tests(),
            secrets::tests(),
            service::tests(),
        ]
        .into_iter()
        .flatten()
        .collect(),
    )
}
