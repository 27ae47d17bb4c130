//! The writer under test: the real `zonetrail up` binary consuming the SQS queue, run by a
//! small supervisor that restarts it whenever it exits — after a SIGKILL from the chaos, or
//! when it cannot start because the database is down — as a process manager would.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

pub struct Supervised {
    state: Arc<Mutex<Option<Child>>>,
    stopping: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
    pub starts: Arc<AtomicU32>,
    pub kills: Arc<AtomicU32>,
    pub log: PathBuf,
}

impl Supervised {
    pub fn start(env: Vec<(String, String)>, log: PathBuf) -> Self {
        let state: Arc<Mutex<Option<Child>>> = Arc::new(Mutex::new(None));
        let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let starts = Arc::new(AtomicU32::new(0));
        let task = {
            let (state, stopping, starts, log) =
                (state.clone(), stopping.clone(), starts.clone(), log.clone());
            tokio::spawn(async move {
                while !stopping.load(Ordering::SeqCst) {
                    let child = spawn(&env, &log);
                    starts.fetch_add(1, Ordering::SeqCst);
                    *state.lock().await = Some(child);
                    // Wait for the exit without holding the lock for long, so kill() can reach it.
                    loop {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        let mut guard = state.lock().await;
                        let Some(child) = guard.as_mut() else { break };
                        if let Ok(Some(_)) = child.try_wait() {
                            *guard = None;
                            break;
                        }
                    }
                    if !stopping.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                    }
                }
            })
        };
        Self { state, stopping, task, starts, kills: Arc::new(AtomicU32::new(0)), log }
    }

    /// SIGKILL the writer wherever it is; the supervisor starts a new one.
    pub async fn kill(&self) -> bool {
        let mut guard = self.state.lock().await;
        match guard.as_mut() {
            Some(child) => {
                let killed = child.start_kill().is_ok();
                if killed {
                    let _ = child.wait().await;
                    self.kills.fetch_add(1, Ordering::SeqCst);
                }
                *guard = None;
                killed
            }
            None => false,
        }
    }

    /// Stop for good: SIGTERM (the writer finishes the message in hand), SIGKILL after 30 s.
    pub async fn shutdown(self) {
        self.stopping.store(true, Ordering::SeqCst);
        let mut guard = self.state.lock().await;
        if let Some(child) = guard.as_mut() {
            if let Some(pid) = child.id() {
                let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
            }
            if tokio::time::timeout(Duration::from_secs(30), child.wait()).await.is_err() {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
        *guard = None;
        drop(guard);
        let _ = self.task.await;
    }
}

fn spawn(env: &[(String, String)], log: &PathBuf) -> Child {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open the writer's log");
    let err = file.try_clone().expect("clone the log handle");
    Command::new(env!("CARGO_BIN_EXE_zonetrail"))
        .args([
            "up",
            "--no-initial-sweep",
            "--sweep-interval",
            "1000h",
            "--listen",
            "127.0.0.1:0",
            "--web-dir",
            "/nonexistent",
        ])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .expect("start zonetrail up")
}
