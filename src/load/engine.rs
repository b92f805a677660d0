//! Runs a workload: starts and stops virtual users as the load model says, collects a second
//! at a time, evaluates thresholds live (stopping early on an `abort-on-fail` breach) and
//! returns the scenario's report.
//!
//! Every run ends within its planned duration plus a grace period, whatever the load model and
//! the request timeout: when the last stage (or the fixed duration) is over, users get the grace
//! period ([`GRACE`], or the longest request timeout if shorter) to finish the request in
//! flight, then are cancelled; what they were still waiting for is counted as `timeout`
//! failures (see [`Execution`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::load::collector::{Collector, LiveStatus};
use crate::load::conformance::Conformance;
use crate::load::error::WorkloadError;
use crate::load::execution::Execution;
use crate::load::run_context::RunContext;
use crate::load::virtual_user::VirtualUser;
use crate::load::workload::{LoadModel, Stage, Workload, stage_value};

/// How often the closed model adjusts the number of virtual users.
const RAMP_TICK: Duration = Duration::from_millis(50);
/// Longest wait for requests in flight once time is up (documented in docs/load.md, "End of a
/// run").
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// Runs `workload` to completion. `progress` shows a live line on a terminal's stderr;
/// `cancel` (Ctrl-C, SIGTERM, SIGHUP) stops the run early, like the end of its time, keeping
/// what was measured.
pub(crate) async fn execute(
    workload: Workload,
    progress: bool,
    cancel: CancellationToken,
) -> Result<Execution, WorkloadError> {
    let mut workload = workload;
    let shard = workload.shard;
    if let Some(s) = shard {
        workload.model = workload.model.for_shard(s);
    }
    let names = workload.requests.iter().map(|r| r.name.clone()).collect();
    // The document is read (or fetched from the service) once, before the first request.
    let conformance = match &workload.contract {
        Some(source) => Some(Conformance::new(source.load().await?, source)),
        None => None,
    };
    let run = Arc::new(RunContext::prepare(workload, conformance)?);
    let grace = run
        .workload
        .requests
        .iter()
        .map(|r| r.timeout)
        .max()
        .unwrap_or(GRACE)
        .min(GRACE);
    let bar = progress.then(progress_bar).flatten();

    let mut collector = Collector::new(names);
    let generation = generate(Arc::clone(&run), grace);
    tokio::pin!(generation);
    let mut ticks =
        tokio::time::interval_at(run.start + Duration::from_secs(1), Duration::from_secs(1));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut generation => break,
            () = cancel.cancelled(), if !run.is_stopping() => run.stop(),
            _ = ticks.tick() => {
                let status = collector.tick(&run);
                if let Some(bar) = &bar {
                    bar.set_message(describe(&status));
                }
                let elapsed = run.start.elapsed();
                if elapsed >= run.workload.abort_delay && !run.is_stopping() {
                    let breached = collector
                        .evaluate(&run.workload.thresholds, elapsed)
                        .iter()
                        .zip(&run.workload.thresholds)
                        .any(|(r, t)| t.abort_on_fail && !r.passed);
                    if breached {
                        run.aborted.store(true, Ordering::Relaxed);
                        run.stop();
                    }
                }
            }
        }
    }
    let elapsed = run.start.elapsed();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(Execution {
        report: collector.finish(&run, elapsed, shard.map(|s| s.label())),
        unanswered: run.unanswered.load(Ordering::Relaxed),
    })
}

fn progress_bar() -> Option<ProgressBar> {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn describe(s: &LiveStatus) -> String {
    let p95 = s.p95_ms.map_or_else(
        || crate::results::run_report::NO_DATA.to_owned(),
        |ms| format!("{ms:.2}ms"),
    );
    format!(
        "{:>4}s  VUs {:>4}  rps {:>7}  p95 {p95:>10}  requests {}  errors {}",
        s.elapsed.as_secs(),
        s.vus,
        s.rps,
        s.requests,
        s.errors
    )
}

/// Generates the load; resolves when every virtual user has finished, or at the latest
/// `grace` after the end of the planned duration (or after a stop), cancelling the users
/// still busy then.
async fn generate(run: Arc<RunContext>, grace: Duration) {
    let mut users = JoinSet::new();
    // When the time is up. The staged models return from their loops at the end of the last
    // stage, so their deadline has (about) come; it must still stop the users and bound their
    // wait by the grace period, or a user waiting on a request timeout of 30 s keeps the run
    // going for 30 s more (issue 11).
    let deadline = match &run.workload.model {
        LoadModel::Fixed {
            users: n, duration, ..
        } => {
            // Every user is a task on the shared work-stealing runtime. One current-thread
            // runtime per core (wrk's layout) was measured here and was slower: see
            // docs/load.md, "Design".
            for id in 0..*n {
                users.spawn(run_user(Arc::clone(&run), id, RunContext::take_iteration));
            }
            duration.map(|d| run.start + d)
        }
        LoadModel::Closed { stages } => {
            ramp_users(&run, stages, &mut users).await;
            Some(run.start + stages_length(stages))
        }
        LoadModel::Open { stages, max_vus } => {
            schedule_arrivals(&run, stages, *max_vus, &mut users).await;
            Some(run.start + stages_length(stages))
        }
    };
    let all_done = async { while users.join_next().await.is_some() {} };
    tokio::select! {
        () = all_done => return,
        () = sleep_until(deadline) => {}
        () = run.stopped() => {}
    }
    run.stop();
    if tokio::time::timeout(grace, async { while users.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        users.abort_all();
        while users.join_next().await.is_some() {}
    }
}

/// A closed-loop virtual user: starts its next iteration when the previous one ends, while
/// the run goes on and `more` allows.
async fn run_user(run: Arc<RunContext>, id: u64, more: impl Fn(&RunContext) -> bool) {
    let _active = run.enter_vu();
    let mut vu = VirtualUser::new(id);
    while !run.is_stopping() && more(&run) {
        vu.iterate(&run, None).await;
        if vu.iterations().is_multiple_of(1024) {
            vu.report_iterations(&run);
        }
    }
    vu.report_iterations(&run);
}

/// How long the stages last together.
fn stages_length(stages: &[Stage]) -> Duration {
    stages.iter().map(|s| s.duration).sum()
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Closed model: keeps the number of running users at the stages' target.
async fn ramp_users(run: &Arc<RunContext>, stages: &[Stage], users: &mut JoinSet<()>) {
    let peak = stages
        .iter()
        .map(|s| s.target.ceil() as usize)
        .max()
        .unwrap_or(0);
    let running: Arc<Vec<AtomicBool>> =
        Arc::new((0..peak).map(|_| AtomicBool::new(false)).collect());
    let target = Arc::new(AtomicU64::new(0));
    let mut tick = tokio::time::interval(RAMP_TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    while let Some(value) = stage_value(stages, 0.0, run.start.elapsed()) {
        if run.is_stopping() {
            break;
        }
        let want = (value.round() as usize).min(peak);
        target.store(want as u64, Ordering::Release);
        for id in 0..want {
            if running[id].swap(true, Ordering::AcqRel) {
                continue;
            }
            let (run, running, target) =
                (Arc::clone(run), Arc::clone(&running), Arc::clone(&target));
            users.spawn(async move {
                let wanted = |_: &RunContext| (id as u64) < target.load(Ordering::Acquire);
                run_user(run, id as u64, wanted).await;
                running[id].store(false, Ordering::Release);
            });
        }
        while users.try_join_next().is_some() {}
        tokio::select! {
            _ = tick.tick() => {}
            () = run.stopped() => break,
        }
    }
    target.store(0, Ordering::Release);
}

/// Open model: starts iterations at the stages' arrival rate, each on an idle user (created up
/// to `max_vus`), and counts the iterations that found none as dropped.
async fn schedule_arrivals(
    run: &Arc<RunContext>,
    stages: &[Stage],
    max_vus: u64,
    users: &mut JoinSet<()>,
) {
    let idle: Arc<std::sync::Mutex<Vec<VirtualUser>>> = Arc::default();
    let mut created = 0_u64;
    let start_rate = stages.first().map_or(0.0, |s| s.target);
    let mut due = Duration::ZERO;
    loop {
        if run.is_stopping() {
            break;
        }
        let Some(rate) = stage_value(stages, start_rate, due) else {
            break;
        };
        if rate <= 0.0 {
            due += Duration::from_millis(10);
            continue;
        }
        let intended = run.start + due;
        if intended > Instant::now() {
            tokio::select! {
                () = tokio::time::sleep_until(intended) => {}
                () = run.stopped() => break,
            }
        }
        let vu = idle.lock().expect("idle users lock").pop().or_else(|| {
            (created < max_vus).then(|| {
                created += 1;
                VirtualUser::new(created - 1)
            })
        });
        match vu {
            None => {
                run.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Some(mut vu) => {
                let (run, idle) = (Arc::clone(run), Arc::clone(&idle));
                users.spawn(async move {
                    {
                        let _active = run.enter_vu();
                        vu.iterate(&run, Some(intended)).await;
                        vu.report_iterations(&run);
                    }
                    idle.lock().expect("idle users lock").push(vu);
                });
            }
        }
        while users.try_join_next().is_some() {}
        due += Duration::from_secs_f64(1.0 / rate);
    }
}
