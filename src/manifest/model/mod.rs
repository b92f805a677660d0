//! The typed manifest model, one node kind per file.

pub mod database;
pub mod migrations;
