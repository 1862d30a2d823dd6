//! Bytes as the CLI loads them, through format detection, the readers and every backend.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    ioc_emit::fuzz_support::pipeline(bytes);
});
