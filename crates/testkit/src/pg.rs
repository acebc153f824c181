//! The throwaway PostgreSQL cluster.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static CLUSTER_URL: OnceLock<String> = OnceLock::new();

/// `TEST_DATABASE_URL`, or the URL of this process's own cluster.
pub fn admin_url() -> String {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        if !url.is_empty() {
            return url;
        }
    }
    CLUSTER_URL.get_or_init(start_cluster).clone()
}

/// The same server with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    for version in ["17", "16", "15", "14"] {
        let dir = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    panic!(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install it \
         (apt-get install postgresql) or set TEST_DATABASE_URL to an admin URL"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `initdb` refuses to run as root: run it (and the server) as `postgres` then.
fn as_cluster_user(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// A temp dir (kept) with a fresh cluster in `data/`, owned by the user
/// the server runs as: `(dir, data)`.
fn init_cluster(prefix: &str) -> (PathBuf, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create a temp dir for PostgreSQL")
        .keep();
    let data = dir.join("data");
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("run chown");
        assert!(
            status.success(),
            "chown the PostgreSQL temp dir to postgres failed"
        );
    }
    let out = as_cluster_user(&bin_dir().join("initdb"))
        .args([
            "--auth=trust",
            "--username=postgres",
            "--no-sync",
            "--encoding=UTF8",
            "-D",
        ])
        .arg(&data)
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, data)
}

fn start_cluster() -> String {
    let bin = bin_dir();
    let (dir, data) = init_cluster("palette-pg");
    let port = crate::free_port();
    // A watchdog shell runs the server and stops it (and removes its files)
    // once this test process is gone, so no cluster outlives its tests.
    let server = format!(
        "{} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let runner = if is_root() {
        format!("runuser -u postgres -- {server}")
    } else {
        server
    };
    let script = format!(
        "{runner} >{dir}/log 2>&1 & child=$!; \
         while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; \
         kill -INT \"$(head -n1 {data}/postmaster.pid 2>/dev/null)\" 2>/dev/null; \
         wait $child; rm -rf {dir}",
        dir = dir.display(),
        data = data.display(),
        parent = std::process::id(),
    );
    // The watchdog outlives this process by design (it stops the cluster
    // after we exit); init reaps it.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start PostgreSQL");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            panic!("PostgreSQL did not start within 30 s on port {port}:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Accepting TCP is not yet accepting logins; give startup a moment.
    std::thread::sleep(Duration::from_millis(300));
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

/// A PostgreSQL cluster of one test's own, which the test can stop (as a
/// crash would: `pg_ctl stop -m immediate`, every connection cut) and
/// start again on the same port. Removed when dropped.
pub struct Cluster {
    dir: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Cluster {
    /// initdb and start; panics (with the server's log) when it cannot.
    pub fn start() -> Self {
        let (dir, data) = init_cluster("palette-pg-own");
        let cluster = Self {
            dir,
            data,
            port: crate::free_port(),
        };
        cluster.resume();
        cluster
    }

    /// The admin URL (database `postgres`).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        let options = format!(
            // Commits are durable across the immediate stop (a crash of the
            // server, not of the machine): synchronous_commit stays on.
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        as_cluster_user(&bin_dir().join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.dir.join("log"))
            .arg("-o")
            .arg(options)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run pg_ctl")
    }

    /// Stops the server at once, cutting every connection.
    pub fn stop(&self) {
        let out = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn resume(&self) {
        let out = self.pg_ctl(&["-w", "-t", "30", "start"]);
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
            panic!(
                "pg_ctl start failed: {}\n{log}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn with_database_replaces_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:1/postgres", "t_1"),
            "postgres://u@h:1/t_1"
        );
        assert_eq!(
            with_database("postgres://u@h:1", "t_1"),
            "postgres://u@h:1/t_1"
        );
        assert_eq!(
            with_database("postgres://u@h:1/x?sslmode=disable", "t_1"),
            "postgres://u@h:1/t_1?sslmode=disable"
        );
    }
}
