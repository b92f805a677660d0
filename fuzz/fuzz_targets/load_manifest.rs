//! The whole loader on arbitrary bytes: it may reject them, but must never panic.
//! Run by hand (not in CI): `RUSTC_BOOTSTRAP=1 cargo fuzz run load_manifest -- -max_total_time=600`
#![no_main]

use backendctl::manifest::{LoadOptions, ManifestSource, check};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = ManifestSource::from_bytes("fuzz.kdl", Path::new("fuzz.kdl"), data.to_vec()) {
        let _ = check(source, &LoadOptions::default());
    }
});
