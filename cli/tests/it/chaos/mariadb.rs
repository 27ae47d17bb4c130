//! A MariaDB server of the test's own (its own data directory and port), so that the chaos
//! can stop the database for real without touching the shared server other tests use.
//! Started from Debian's `mariadb-install-db` and `mariadbd`, with grant checks off: it
//! listens on loopback only and lives for one test.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use zonetrail_model::db::DbSettings;

pub struct PrivateMariaDb {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

const DATABASE: &str = "zonetrail_chaos";

impl PrivateMariaDb {
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "zonetrail-chaos-mariadb-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).expect("create the private MariaDB directory");
        let install = Command::new("mariadb-install-db")
            .args(["--no-defaults", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"])
            .arg(format!("--datadir={}", dir.join("data").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run mariadb-install-db ({e}): the chaos suite's database outage needs Debian's mariadb-server (scripts/test installs it)"));
        assert!(
            install.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&install.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut db = Self { dir, port, child: None };
        db.run().await;
        let admin = DbSettings { url: db.server_url().into(), max_connections: 1 }
            .connect()
            .await
            .expect("connect to the private MariaDB");
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!(
                "CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))
            .await
            .expect("create the chaos database");
        admin.close().await.ok();
        db
    }

    fn server_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("{}/{DATABASE}", self.server_url())
    }

    async fn run(&mut self) {
        let child = Command::new("/usr/sbin/mariadbd")
            .args([
                "--no-defaults",
                "--user=root",
                "--bind-address=127.0.0.1",
                "--skip-grant-tables",
                "--skip-log-bin",
            ])
            .args(["--innodb-buffer-pool-size=64M", "--max-connections=200"])
            .arg(format!("--port={}", self.port))
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!("--socket={}", self.dir.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", self.dir.join("error.log").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start mariadbd");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            let settings = DbSettings { url: self.server_url().into(), max_connections: 1 };
            if settings.connect().await.is_ok() {
                return;
            }
            let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the private MariaDB did not answer within 60 s:\n{log}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGKILL the server: every connection drops, nothing is flushed on purpose.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Start it again on the same data and port (InnoDB recovers what was committed).
    pub async fn restart(&mut self) {
        self.run().await;
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
