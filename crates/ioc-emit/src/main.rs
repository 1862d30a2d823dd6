//! The `ioc-emit` binary: the CLI library with the built-in backends.

/// A run on a big feed makes and frees millions of small strings (values, sources, metadata);
/// glibc's allocator spent a third of such a run consolidating its free lists. mimalloc keeps
/// per-size free lists instead.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's default purge delay (freed memory goes back to the system after a second) is
// kept: on a million-row feed, never purging was slower (4.5 to 5.1 s against 4.2 s for a KQL
// lookup run) and peaked higher (729 against 712 MB), and purging at once zeroed pages again
// in every phase.

fn main() -> std::process::ExitCode {
    ioc_emit::main()
}
