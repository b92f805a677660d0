//! The load engine: `backendctl load URL …` and the `scenario` node.
//!
//! A scenario becomes a [`workload::Workload`]; the [`engine`] runs it with one connection per
//! virtual user, records every request into per-thread HdrHistograms ([`recorder`]), harvests
//! them once a second ([`collector`]) and evaluates [`threshold`]s live and at the end. No
//! sample is kept, so memory stays flat however long the run; histograms are exact to three
//! significant figures and mergeable across shards and machines.

pub(crate) mod collector;
pub(crate) mod connection;
pub(crate) mod engine;
pub(crate) mod error_category;
pub(crate) mod feeder;
pub(crate) mod histogram;
pub(crate) mod recorder;
pub(crate) mod request_spec;
pub(crate) mod run_context;
pub(crate) mod threshold;
pub(crate) mod virtual_user;
pub(crate) mod workload;
pub(crate) mod cli;
