//! The csv reader, with the format forced as `--from csv` does.

#![no_main]

use ioc_read::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    ioc_emit::fuzz_support::read(Format::Csv, bytes);
});
