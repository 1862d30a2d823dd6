//! The misp reader, with the format forced as `--from misp` does.

#![no_main]

use ioc_read::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    ioc_emit::fuzz_support::read(Format::Misp, bytes);
});
