//! The backends built into the `ioc-emit` binary.
//!
//! A backend registers itself with `inventory` when its crate is linked, and a crate nothing
//! refers to is not linked. Naming each crate here is what links it; the golden backend list
//! (`fixtures/backends.txt`, checked by `cargo xtask golden`) fails if one goes missing.

use ioc_backend_esql as _;
use ioc_backend_kql as _;
use ioc_backend_sigma as _;
use ioc_backend_spl as _;
