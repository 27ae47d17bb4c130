//! How every stage reaches the database: `DATABASE_URL` locally, or the RDS secret on Lambda.
//! Settings are read once at start-up; a handler never reads the environment.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://zonetrail.db?mode=rwc";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("set DATABASE_URL, or ZONETRAIL_DB_SECRET_ARN on AWS")]
    Missing,
    #[error("reading the database secret {arn}: {reason}")]
    Secret { arn: String, reason: String },
    #[error("{0} is not a number: {1:?}")]
    NotANumber(&'static str, String),
}

#[derive(Clone)]
pub struct DbSettings {
    /// The whole URL is held as a secret: it carries the password.
    pub url: SecretString,
    pub max_connections: u32,
}

impl std::fmt::Debug for DbSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never log the password.
        f.debug_struct("DbSettings")
            .field("url", &self.redacted_url())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db`: a database URL fit for a log
/// line. When the URL does not parse, or an `@` is left after the host (a password with a raw
/// `/`, `?` or `#` ends the host early and leaves the rest of itself in the path, query or
/// fragment), nothing past the scheme is shown.
pub fn redact(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return match raw.split_once("://") {
            Some((scheme, _)) if scheme.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                format!("{scheme}://*** (not a valid URL)")
            }
            _ => "*** (not a valid URL)".into(),
        };
    };
    let after_host = [Some(url.path()), url.query(), url.fragment()];
    if after_host.into_iter().flatten().any(|part| part.contains('@')) {
        return format!("{}://***", url.scheme());
    }
    if url.password().is_some() && url.set_password(Some("***")).is_err() {
        return format!("{}://***", url.scheme());
    }
    url.into()
}

/// The characters RFC 3986 leaves unreserved stay as they are; everything else is escaped.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `mysql://USER:PASSWORD@HOST:PORT/DB?ssl-mode=required`, with the user name and password
/// percent-encoded (an RDS-generated password holds any printable character).
fn mysql_url(
    username: &str,
    password: &SecretString,
    host: &str,
    port: u16,
    db: &str,
) -> SecretString {
    format!(
        "mysql://{}:{}@{host}:{port}/{db}?ssl-mode=required",
        utf8_percent_encode(username, USERINFO),
        utf8_percent_encode(password.expose_secret(), USERINFO),
    )
    .into()
}

impl DbSettings {
    pub fn from_url(url: impl Into<SecretString>) -> Self {
        Self { url: url.into(), max_connections: 10 }
    }

    /// The URL with its password replaced by `***` (see [`redact`]).
    pub fn redacted_url(&self) -> String {
        redact(self.url.expose_secret())
    }

    /// `DATABASE_URL` if set; else the RDS secret named by `ZONETRAIL_DB_SECRET_ARN`, with
    /// `ZONETRAIL_DB_HOST` (the RDS Proxy endpoint) and `ZONETRAIL_DB_NAME` overriding the
    /// secret's host and database. `ZONETRAIL_DB_MAX_CONNECTIONS` sizes the pool.
    pub async fn from_env() -> Result<Self, SettingsError> {
        let max_connections = match std::env::var("ZONETRAIL_DB_MAX_CONNECTIONS") {
            Ok(v) => v
                .parse()
                .map_err(|_| SettingsError::NotANumber("ZONETRAIL_DB_MAX_CONNECTIONS", v))?,
            Err(_) if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() => 5,
            Err(_) => 10,
        };
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return Ok(Self { url: url.into(), max_connections });
        }
        let arn = std::env::var("ZONETRAIL_DB_SECRET_ARN").map_err(|_| SettingsError::Missing)?;
        let secret_err = |reason: String| SettingsError::Secret { arn: arn.clone(), reason };
        let config = aws_config::load_from_env().await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let out = client.get_secret_value().secret_id(&arn).send().await.map_err(|e| {
            secret_err(aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string())
        })?;
        let text = out
            .secret_string()
            .ok_or_else(|| secret_err("the secret has no string value".into()))?;
        #[derive(serde::Deserialize)]
        struct RdsSecret {
            username: String,
            password: String,
            host: Option<String>,
            port: Option<u16>,
            dbname: Option<String>,
        }
        let s: RdsSecret = serde_json::from_str(text)
            .map_err(|e| secret_err(format!("not an RDS secret: {e}")))?;
        let host = std::env::var("ZONETRAIL_DB_HOST")
            .ok()
            .or(s.host)
            .ok_or_else(|| secret_err("no host".into()))?;
        let db = std::env::var("ZONETRAIL_DB_NAME")
            .ok()
            .or(s.dbname)
            .unwrap_or_else(|| "zonetrail".into());
        let password = SecretString::from(s.password);
        let url = mysql_url(&s.username, &password, &host, s.port.unwrap_or(3306), &db);
        Ok(Self { url, max_connections })
    }

    /// Open the pool. SQLite gets WAL and a busy timeout so the API reads while the writer
    /// writes; MySQL gets bounded connect and acquire timeouts so an outage fails fast.
    pub async fn connect(&self) -> Result<DatabaseConnection, DbErr> {
        let url = self.url.expose_secret();
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(self.max_connections)
            .min_connections(0)
            .connect_timeout(connect_timeout())
            .acquire_timeout(connect_timeout() + Duration::from_secs(5))
            // sqlx pings a connection when it goes back to the pool (and drops it if the ping
            // fails), and by default again when it is handed out: two extra round trips per
            // statement outside a transaction. Ping on checkout only a connection idle long
            // enough for the server, a proxy or NAT to have dropped it (or for a Lambda
            // instance to have been frozen); a hot connection that broke since its last
            // release fails one statement (a 503, or a retried message) and is then dropped.
            .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
        }
        Database::connect(opts).await
    }
}

/// See [`DbSettings::connect`].
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// The MySQL/MariaDB server's error number behind a failed connect, statement or query
/// (`None` for SQLite, and for failures that are not the server's answer: I/O, pool, TLS).
pub fn mysql_error_number(err: &DbErr) -> Option<u16> {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => match s.as_ref() {
            Sqlx::Database(d) => mysql_number(d.as_ref()),
            _ => None,
        },
        _ => None,
    }
}

/// The MySQL/MariaDB error number of a database's answer (`None` for SQLite's).
pub fn mysql_number(answer: &(dyn sea_orm::sqlx::error::DatabaseError + 'static)) -> Option<u16> {
    answer.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>().map(|my| my.number())
}

/// True when the server refused our user name or password (MySQL error 1045). On Lambda that
/// means the RDS secret was rotated after this instance read it at init.
pub fn is_access_denied(err: &DbErr) -> bool {
    mysql_error_number(err) == Some(1045)
}

/// On Lambda, end the process when the database refuses our credentials: the settings (and
/// the secret's password) are read once at init, so a warm instance would fail every call
/// after a rotation. The invocation fails (SQS delivers the batch again; the API caller
/// gets a 5xx once) and Lambda starts a fresh instance, which reads the current secret.
/// Elsewhere (a local `DATABASE_URL`) it does nothing: the error is reported as usual.
pub fn exit_if_credentials_stale(err: &DbErr) {
    if is_access_denied(err) && std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        tracing::error!(error = %err, "the database refused our credentials (the secret was probably rotated); exiting so that a fresh instance reads the secret again");
        std::process::exit(75);
    }
}

/// How long opening a connection may take. Longer on Lambda: Aurora Serverless v2 takes about
/// 15 s to resume from auto-pause, and the first connection after a pause waits for it.
fn connect_timeout() -> Duration {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("mysql://app:s3cr%40t@db:3306/z"), "mysql://app:***@db:3306/z");
        assert_eq!(redact("mysql://app@db:3306/z"), "mysql://app@db:3306/z");
        assert_eq!(redact("sqlite://zonetrail.db?mode=rwc"), "sqlite://zonetrail.db?mode=rwc");
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }

    /// Passwords as a user might paste them into DATABASE_URL without escaping them.
    #[test]
    fn no_part_of_an_odd_password_survives_redaction() {
        for password in [
            "Pw1@Pw2",
            "12#Pw2",
            "12?Pw2",
            "9/Pw2",
            "Pw1@Pw2#Pw3",
            "Pw1:Pw2:Pw3",
            "Pw1 Pw2",
            "%41Pw1%",
            "Pwé@Pwü",
            "]@[Pw1",
        ] {
            for url in [
                format!("mysql://app:{password}@db:3306/z"),
                format!("mysql://app:{password}@db:3306/z?ssl-mode=required"),
                format!("mysql://:{password}@db/z"),
            ] {
                let shown = redact(&url);
                for piece in
                    password.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty())
                {
                    assert!(
                        !shown.contains(piece),
                        "{url:?} was shown as {shown:?}, which holds {piece:?}"
                    );
                }
            }
        }
        assert_eq!(redact("not a url with a p4ssword"), "*** (not a valid URL)");
        assert_eq!(redact("mysql://app:9/p4ss@db/z"), "mysql://***");
    }

    #[test]
    fn the_secret_password_is_escaped_into_the_url_and_read_back_intact() {
        let password = "p@ss:w/rd#?%41 é";
        let url = mysql_url("ad min", &SecretString::from(password), "db.proxy", 3306, "zt");
        let url = url.expose_secret();
        assert!(url.starts_with("mysql://ad%20min:p%40ss%3Aw%2Frd%23%3F%2541%20%C3%A9@db.proxy"));
        let parsed = Url::parse(url).unwrap();
        assert_eq!(parsed.host_str(), Some("db.proxy"));
        assert_eq!(parsed.port(), Some(3306));
        assert_eq!(parsed.path(), "/zt");
        let decoded = percent_encoding::percent_decode_str(parsed.password().unwrap());
        assert_eq!(decoded.decode_utf8().unwrap(), password);
        assert_eq!(redact(url), "mysql://ad%20min:***@db.proxy:3306/zt?ssl-mode=required");
    }

    #[test]
    fn settings_never_show_the_password() {
        let settings = DbSettings::from_url("mysql://app:hunter2@db:3306/z");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("mysql://app:***@db:3306/z"), "{shown}");
    }
}
