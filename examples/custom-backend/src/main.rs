//! `ioc-emit-custom`: the ioc-emit command line with one more backend.
//!
//! Naming the crate links it, and linking registers its backend beside the built-in ones.

use custom_backend as _;

fn main() -> std::process::ExitCode {
    ioc_emit::main()
}
