//! Where virtual users record each request, without contending with each other.
//!
//! Each runtime worker thread records into its own shard (found through a thread-local), so the
//! hot path takes an uncontended lock and touches no shared cache line. Once a second the
//! collector harvests every shard's counts since the last harvest; shards therefore only ever
//! hold about a second of data, and nothing per request is kept: memory stays flat however
//! long the run.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::load::error_category::ErrorCategory;
use crate::results::histogram::{self, Latency};

static NEXT_RECORDER_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// This thread's shard of every live recorder, by recorder id.
    static LOCAL_SHARDS: RefCell<Vec<(u64, Weak<Mutex<Shard>>)>> = const { RefCell::new(Vec::new()) };
}

/// What one request produced.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// Latency in µs, when a response arrived.
    pub latency_us: Option<u64>,
    pub status: Option<u16>,
    /// The failure category, if the request failed.
    pub error: Option<ErrorCategory>,
    pub bytes_in: u64,
    /// Bytes written to the connection for this request: none when it never connected.
    pub bytes_out: u64,
    pub checks_passed: u32,
    pub checks_failed: u32,
}

/// Counts for one request name, over some span of time.
#[derive(Debug, Clone)]
pub(crate) struct NameStats {
    pub histogram: Latency,
    pub count: u64,
    pub failed: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub errors: [u64; ErrorCategory::ALL.len()],
    pub checks_passed: u64,
    pub checks_failed: u64,
}

impl Default for NameStats {
    fn default() -> Self {
        Self {
            histogram: histogram::new_latency(),
            count: 0,
            failed: 0,
            bytes_in: 0,
            bytes_out: 0,
            statuses: BTreeMap::new(),
            errors: [0; ErrorCategory::ALL.len()],
            checks_passed: 0,
            checks_failed: 0,
        }
    }
}

impl NameStats {
    fn record(&mut self, sample: &Sample) {
        self.count += 1;
        if let Some(us) = sample.latency_us {
            histogram::record(&mut self.histogram, us);
        }
        if let Some(status) = sample.status {
            *self.statuses.entry(status).or_default() += 1;
        }
        if let Some(category) = sample.error {
            self.failed += 1;
            self.errors[category.index()] += 1;
        }
        self.bytes_in += sample.bytes_in;
        self.bytes_out += sample.bytes_out;
        self.checks_passed += u64::from(sample.checks_passed);
        self.checks_failed += u64::from(sample.checks_failed);
    }

    /// Adds `other` into `self`.
    pub(crate) fn absorb(&mut self, other: &Self) {
        histogram::add(&mut self.histogram, &other.histogram)
            .expect("every histogram of a run has the same bounds");
        self.count += other.count;
        self.failed += other.failed;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        for (k, v) in &other.statuses {
            *self.statuses.entry(*k).or_default() += v;
        }
        for (mine, theirs) in self.errors.iter_mut().zip(other.errors) {
            *mine += theirs;
        }
        self.checks_passed += other.checks_passed;
        self.checks_failed += other.checks_failed;
    }

    fn clear(&mut self) {
        self.histogram.reset();
        self.count = 0;
        self.failed = 0;
        self.bytes_in = 0;
        self.bytes_out = 0;
        self.statuses.clear();
        self.errors = [0; ErrorCategory::ALL.len()];
        self.checks_passed = 0;
        self.checks_failed = 0;
    }
}

/// One thread's counts since the last harvest, one entry per request name.
#[derive(Debug)]
struct Shard {
    names: Vec<NameStats>,
}

/// The recording side of one scenario run.
#[derive(Debug)]
pub(crate) struct Recorder {
    id: u64,
    names: usize,
    shards: Mutex<Vec<Arc<Mutex<Shard>>>>,
}

impl Recorder {
    /// A recorder for `names` request names (indexed 0..names).
    pub(crate) fn new(names: usize) -> Self {
        Self {
            id: NEXT_RECORDER_ID.fetch_add(1, Ordering::Relaxed),
            names,
            shards: Mutex::new(Vec::new()),
        }
    }

    /// Records one request of request name `name`.
    pub(crate) fn record(&self, name: usize, sample: &Sample) {
        LOCAL_SHARDS.with_borrow_mut(|local| {
            let found = local
                .iter()
                .find(|(id, _)| *id == self.id)
                .and_then(|(_, weak)| weak.upgrade());
            let shard = found.unwrap_or_else(|| {
                // First record of this run on this thread; drop entries of finished runs.
                local.retain(|(_, weak)| weak.strong_count() > 0);
                let shard = Arc::new(Mutex::new(Shard {
                    names: vec![NameStats::default(); self.names],
                }));
                self.shards
                    .lock()
                    .expect("recorder lock")
                    .push(Arc::clone(&shard));
                local.push((self.id, Arc::downgrade(&shard)));
                shard
            });
            shard.lock().expect("shard lock").names[name].record(sample);
        });
    }

    /// Takes every shard's counts since the last harvest, per request name.
    pub(crate) fn harvest(&self) -> Vec<NameStats> {
        let mut out = vec![NameStats::default(); self.names];
        let shards = self.shards.lock().expect("recorder lock").clone();
        for shard in shards {
            let mut shard = shard.lock().expect("shard lock");
            for (into, from) in out.iter_mut().zip(shard.names.iter_mut()) {
                into.absorb(from);
                from.clear();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_from_many_threads_are_all_harvested() {
        let recorder = Arc::new(Recorder::new(2));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let r = Arc::clone(&recorder);
                std::thread::spawn(move || {
                    for i in 0..1000_u64 {
                        r.record(
                            (t % 2) as usize,
                            &Sample {
                                latency_us: Some(i + 1),
                                status: Some(200),
                                error: None,
                                bytes_in: 10,
                                bytes_out: 5,
                                checks_passed: 1,
                                checks_failed: 0,
                            },
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let first = recorder.harvest();
        assert_eq!(first[0].count + first[1].count, 4000);
        assert_eq!(first[0].histogram.len(), 2000);
        assert_eq!(first[0].statuses[&200], 2000);
        let second = recorder.harvest();
        assert_eq!(second[0].count + second[1].count, 0);
    }
}
