//! The threatfox-json reader, with the format forced as `--from threatfox-json` does.

#![no_main]

use ioc_read::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    ioc_emit::fuzz_support::read(Format::ThreatfoxJson, bytes);
});
