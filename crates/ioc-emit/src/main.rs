//! The `ioc-emit` binary: the CLI library with the built-in backends.

fn main() -> std::process::ExitCode {
    ioc_emit::main()
}
