//! The `ioc-emit` binary: the CLI library with the built-in backends.

/// A run on a big feed makes and frees millions of small strings (values, sources, metadata);
/// glibc's allocator spent a third of such a run consolidating its free lists. mimalloc keeps
/// per-size free lists instead.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option, which its bindings do not name: in the header of both
/// allocator versions libmimalloc-sys carries (`mi_option_t` in v2 and v3), it comes just
/// before `use_numa_nodes`. The test below checks it against the option's default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = libmimalloc_sys::mi_option_use_numa_nodes - 1;

fn main() -> std::process::ExitCode {
    // Keep freed memory for reuse rather than return it to the system: a run is short, and
    // its phases free big lists just before the next phase makes others. Returned pages are
    // faulted in (and zeroed) again when the next list takes them; on a million-row feed
    // that was a fifth of the run. The peak is the same either way.
    // SAFETY: sets a plain integer option, before any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    ioc_emit::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constant names the option by its place in the enum; mimalloc 3's default purge
    /// delay, 1000 ms, is a value neither neighbouring option has (1 and 0), so a reordered
    /// header, or a version with another default to reconsider, shows here. main() is not run
    /// by the test harness, so the default is still in place.
    #[test]
    fn purge_delay_is_the_option_it_names() {
        // SAFETY: reads a plain integer option.
        let value = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(value, 1000);
    }
}
