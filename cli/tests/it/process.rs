//! Running the real `zonetrail` binary: one-shot commands, and servers (`serve`, `up`) that
//! print their address and stop on Ctrl-C (SIGINT).

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::account::Account;

/// The binary with an environment of our choosing: only what is set here, so nothing from
/// the developer's shell (a queue URL, a profile, a database) leaks in.
#[derive(Clone)]
pub struct Zonetrail {
    env: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn assert_success(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "{what} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// The `error: ...` line(s) of stderr.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with("error:")).collect()
    }
}

impl Zonetrail {
    pub fn new(account: &Account, database_url: &str) -> Self {
        let mut env = account.env();
        env.push(("DATABASE_URL".into(), database_url.into()));
        // Tests sweep small zones: no need to pace at the account's real 5 requests/s.
        env.push(("ZONETRAIL_ROUTE53_RPS".into(), "50".into()));
        // The resource sweep of findings reads one region, not the ~30 moto answers.
        env.push(("ZONETRAIL_REGIONS".into(), "us-east-1".into()));
        env.push(("NO_COLOR".into(), "1".into()));
        env.push(("RUST_LOG".into(), "info".into()));
        if let Ok(path) = std::env::var("PATH") {
            env.push(("PATH".into(), path));
        }
        Self { env }
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn without(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        self.program(env!("CARGO_BIN_EXE_zonetrail"), args)
    }

    fn program(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args).env_clear().envs(self.env.iter().map(|(k, v)| (k, v))).kill_on_drop(true);
        c
    }

    pub async fn run(&self, args: &[&str]) -> Finished {
        self.run_with_stdin(args, None).await
    }

    /// Another program (`/usr/bin/time`, say) with the binary's environment.
    pub async fn run_program(&self, program: &str, args: &[&str]) -> Finished {
        self.finish(self.program(program, args), args, None, Duration::from_secs(300)).await
    }

    pub async fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Finished {
        self.finish(self.command(args), args, stdin, Duration::from_secs(120)).await
    }

    async fn finish(
        &self,
        mut command: Command,
        args: &[&str],
        stdin: Option<&str>,
        within: Duration,
    ) -> Finished {
        let mut child = command
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zonetrail");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).await.unwrap();
            drop(pipe);
        }
        let out = tokio::time::timeout(within, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{args:?} did not finish within {within:?}"))
            .expect("wait for zonetrail");
        Finished {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    /// Start a server command and wait for the `http://ADDR/` it prints on stdout.
    pub async fn start(&self, args: &[&str]) -> Running {
        let mut child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zonetrail");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let out = stdout.clone();
        let collector = tokio::spawn(async move {
            let mut addr_tx = Some(addr_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) =
                    line.split("http://").nth(1).and_then(|rest| rest.split('/').next())
                    && let Some(tx) = addr_tx.take()
                {
                    let _ = tx.send(addr.to_owned());
                }
                out.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let err = stderr.clone();
        let err_collector = tokio::spawn(async move {
            while let Ok(Some(line)) = err_lines.next_line().await {
                err.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let addr = match tokio::time::timeout(Duration::from_secs(60), addr_rx).await {
            Ok(Ok(addr)) => addr,
            _ => {
                let _ = child.start_kill();
                tokio::time::sleep(Duration::from_millis(200)).await;
                panic!(
                    "zonetrail {args:?} printed no address\n--- stdout\n{}\n--- stderr\n{}",
                    stdout.lock().unwrap(),
                    stderr.lock().unwrap()
                );
            }
        };
        Running { child, addr, stdout, stderr, collectors: vec![collector, err_collector] }
    }
}

/// A one-shot command left running, to be killed in the middle of its work.
pub struct Spawned {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    collectors: Vec<tokio::task::JoinHandle<()>>,
}

impl Zonetrail {
    /// Start a one-shot command without waiting for it (to kill it part-way).
    pub fn spawn(&self, args: &[&str]) -> Spawned {
        let mut child = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start zonetrail");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let collect = |pipe: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
                       into: Arc<Mutex<String>>| {
            tokio::spawn(async move {
                let mut lines = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    into.lock().unwrap().push_str(&(line + "\n"));
                }
            })
        };
        let collectors = vec![
            collect(Box::new(child.stdout.take().unwrap()), stdout.clone()),
            collect(Box::new(child.stderr.take().unwrap()), stderr.clone()),
        ];
        Spawned { child, stdout, stderr, collectors }
    }
}

impl Spawned {
    /// Whether the process is still running (it has not exited on its own).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `kill -9`: no chance to finish anything, as when a machine dies.
    pub async fn kill_9(mut self) -> Finished {
        self.child.start_kill().expect("SIGKILL zonetrail");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("zonetrail exits after SIGKILL")
            .expect("wait for zonetrail");
        for c in self.collectors.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), c).await;
        }
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().clone();
        Finished { status, stdout, stderr }
    }
}

pub struct Running {
    child: Child,
    /// `127.0.0.1:PORT` as the server printed it.
    pub addr: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    collectors: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything the server printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `kill -9`: no chance to finish anything, as when a machine dies.
    pub async fn kill_9(mut self) -> Finished {
        self.child.start_kill().expect("SIGKILL zonetrail");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("zonetrail exits after SIGKILL")
            .expect("wait for zonetrail");
        for c in self.collectors.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), c).await;
        }
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().clone();
        Finished { status, stdout, stderr }
    }

    /// Ctrl-C: SIGINT, then wait for the exit (at most 60 s).
    pub async fn interrupt(mut self) -> Finished {
        let pid = self.child.id().expect("the server is running");
        let sent =
            Command::new("kill").args(["-INT", &pid.to_string()]).status().await.expect("run kill");
        assert!(sent.success(), "kill -INT {pid} failed");
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "zonetrail did not stop within 60 s of SIGINT\n--- stderr\n{}",
                    self.stderr.lock().unwrap()
                )
            })
            .expect("wait for zonetrail");
        for c in self.collectors.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), c).await;
        }
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().clone();
        Finished { status, stdout, stderr }
    }
}
