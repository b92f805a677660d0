//! A seeded mutation test over every manifest the project has (examples, fixtures, the corpus):
//! each is cut, duplicated, spliced and salted with KDL and template tokens, and every mutant
//! must be checked and its diagnostics rendered without a panic, a stack overflow or a runaway
//! (issue 11). It is the stable-toolchain stand-in for the `cargo fuzz` target in `fuzz/`; it
//! runs in CI on every change, prints how many mutants it ran, and any input that once broke
//! the program goes into `tests/fixtures/invalid/` (or `tests/corpus/`, for one that is valid)
//! so it is tried, and mutated, forever after.
//!
//! `BACKENDCTL_MUTANTS` sets how many mutants per seed file (default 60); `BACKENDCTL_MUTATION_SEED`
//! the seed (default fixed, so a failure reproduces). A stack overflow aborts the process before
//! the input can be saved: `BACKENDCTL_MUTANT_TRACE=1` writes each mutant to
//! `$TMPDIR/backendctl-current-mutant.kdl` before it is checked, so the last one is the culprit.

use backendctl::manifest::{LoadOptions, ManifestSource, check};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        mutants_of_every_manifest_are_checked_without_panic_or_runaway
    )]
}

/// Tokens that reach the parser's and the interpolator's edge cases.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "{{",
    "}}",
    "{%",
    "%}",
    "\"",
    "\"\"\"",
    "#\"",
    "\"#",
    "##",
    "/-",
    "//",
    "/*",
    "*/",
    "\n",
    "=",
    ";",
    "\\",
    "#true",
    "#null",
    "true",
    "0",
    "-1",
    "1e400",
    "999999999999999999999",
    "\"30s\"",
    "\"\"",
    "{{ env.X }}",
    "{{ vu }}",
    "{{ 'a' * 99999999 }}",
    "{% for a in 'xxxxxxxxxx' %}{{ a }}{% endfor %}",
    "{{ database.main.url }}",
    "after \"x.y\"",
    "scenario \"s\" {",
    "stage \"1s\" target=1",
    "\u{0}",
    "\u{feff}",
    "é",
    "\r\n",
];

fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "tests/fixtures/invalid", "tests/corpus"] {
        collect(&root.join(dir), &mut files);
    }
    // kdl 6.7's parser never returns on this one (the parse is abandoned after its time
    // budget, on a thread that keeps running): mutating it would leave dozens of such threads
    // in this process. Its own fixture test covers it, each time in a process of its own.
    files.retain(|path| !path.ends_with("fuzz-parser-runaway.kdl"));
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("seed is readable");
            (path, bytes)
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "kdl") {
            out.push(path);
        }
    }
}

/// One mutation of `bytes`.
fn mutate(rng: &mut fastrand::Rng, bytes: &[u8], donor: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = out.len();
        let at = rng.usize(0..=len);
        match rng.u8(0..6) {
            0 if len > 0 => {
                let end = (at + rng.usize(1..=32)).min(len);
                out.drain(at.min(end)..end);
            }
            1 => {
                let token = TOKENS[rng.usize(0..TOKENS.len())].as_bytes();
                for _ in 0..rng.usize(1..=3) {
                    out.splice(at..at, token.iter().copied());
                }
            }
            2 if len > 0 => {
                let start = rng.usize(0..len);
                let end = (start + rng.usize(1..=64)).min(len);
                let copy = out[start..end].to_vec();
                for _ in 0..rng.usize(1..=8) {
                    out.splice(at..at, copy.iter().copied());
                }
            }
            3 if !donor.is_empty() => {
                let start = rng.usize(0..donor.len());
                let end = (start + rng.usize(1..=128)).min(donor.len());
                out.splice(at..at, donor[start..end].iter().copied());
            }
            4 if len > 0 => out[rng.usize(0..len)] = rng.u8(..),
            _ => {
                let token = TOKENS[rng.usize(0..TOKENS.len())].as_bytes();
                let depth = rng.usize(1..=400);
                let repeated: Vec<u8> = token.repeat(depth);
                out.splice(at..at, repeated);
            }
        }
    }
    out
}

/// Checks one input the way `validate` does, and renders what it finds.
fn check_and_render(bytes: Vec<u8>) {
    let options = LoadOptions::default();
    let source = ManifestSource::from_bytes("mutant.kdl", Path::new("mutant.kdl"), bytes);
    let result = source.and_then(|source| check(source, &options));
    if let Err(error) = result {
        let text = backendctl::diagnostics::diagnostic(&error, false);
        assert!(!text.is_empty());
    }
}

fn mutants_of_every_manifest_are_checked_without_panic_or_runaway() {
    let per_seed: usize = std::env::var("BACKENDCTL_MUTANTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("BACKENDCTL_MUTATION_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0x0b5e_55ed);
    let seeds = seeds();
    assert!(
        seeds.len() > 30,
        "seed manifests went missing: {}",
        seeds.len()
    );
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let mut slowest = (Duration::ZERO, String::new());
    let mut count = 0;
    for (index, (path, bytes)) in seeds.iter().enumerate() {
        let donor = &seeds[(index + 1) % seeds.len()].1;
        for round in 0..per_seed {
            let mutant = mutate(&mut rng, bytes, donor);
            let label = format!("{} mutant {round} (seed {seed})", path.display());
            let one = Instant::now();
            if std::env::var_os("BACKENDCTL_MUTANT_TRACE").is_some() {
                let _ = std::fs::write(
                    std::env::temp_dir().join("backendctl-current-mutant.kdl"),
                    &mutant,
                );
            }
            // A panic here fails the test naming the input; a stack overflow aborts the run,
            // which fails it too. Save such an input to tests/corpus/ with its fix.
            let outcome = std::panic::catch_unwind(|| check_and_render(mutant.clone()));
            if outcome.is_err() {
                let saved = std::env::temp_dir()
                    .join(format!("backendctl-mutant-{seed}-{index}-{round}.kdl"));
                let _ = std::fs::write(&saved, &mutant);
                panic!(
                    "{label} panicked; the input is saved at {}",
                    saved.display()
                );
            }
            let took = one.elapsed();
            if took > slowest.0 {
                slowest = (took, label);
            }
            count += 1;
        }
    }
    eprintln!(
        "mutation: {count} mutants of {} manifests in {:.1?}; slowest {:.1?} ({})",
        seeds.len(),
        started.elapsed(),
        slowest.0,
        slowest.1
    );
    // The parser's own budget is 2 s plus 1 ms per 100 bytes; nothing else may come near it.
    assert!(
        slowest.0 < Duration::from_secs(30),
        "{} took {:.1?}",
        slowest.1,
        slowest.0
    );
}
