//! One integration binary (see ARCHITECTURE.md): the CLI as a user runs it,
//! and the real daemons it manages.

// Test helpers may panic: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::string_slice)]

mod api;
mod apply;
mod attacks;
mod cli;
mod configdir;
mod fleet;
mod iscsi;
mod nfs;
mod package;
mod scan;
mod smb;
mod ssh;
mod support;
mod truenas;
mod vm;
mod web;
