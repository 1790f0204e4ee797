//! One integration binary (see ARCHITECTURE.md): the CLI as a user runs it.

mod cli;
