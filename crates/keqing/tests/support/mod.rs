//! Running the real `keqing` binary in tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_keqing");

/// A `keqing` command in `dir`, with no `KEQING_*` settings inherited
/// (the test runner's own variables must not leak into the product).
pub fn keqing(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("KEQING_") || k == "RUST_LOG" {
            c.env_remove(k);
        }
    }
    c.env("KEQING_LOG", "warn");
    c
}

/// Runs a command to completion: (exit success, stdout, stderr).
pub fn run(mut c: Command, stdin: Option<&str>) -> (bool, String, String) {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn keqing");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `keqing serve`; stopped (SIGTERM, then kill) on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Everything it printed on stdout before it was ready.
    pub banner: String,
    pub dir: PathBuf,
}

impl Server {
    /// Starts `keqing serve --listen 127.0.0.1:0 <args>` in `dir` and waits
    /// for "Keqing is ready: …".
    #[allow(clippy::zombie_processes)] // the child is waited for in `stop`, called on drop
    pub fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        keqing_web::notify::install_tls();
        let mut c = keqing(dir);
        c.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = c.spawn().expect("spawn keqing serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let mut banner = String::new();
        loop {
            let line = rx.recv_timeout(Duration::from_secs(120)).expect("keqing serve printed nothing for 2 minutes");
            banner.push_str(&line);
            banner.push('\n');
            if let Some(url) = line.strip_prefix("Keqing is ready: ") {
                let base = url.trim_end_matches('/').to_owned();
                eprintln!("keqing serve ready at {base} after {:?}", started.elapsed());
                return Server { child, base, banner, dir: dir.to_owned() };
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The one-time admin password printed at first start.
    pub fn admin_password(&self) -> Option<String> {
        self.banner.lines().find_map(|l| l.split("密码 password:").nth(1)).map(|p| p.trim().to_owned())
    }

    /// Stops the server with SIGTERM and returns whether it exited cleanly.
    pub fn stop(&mut self) -> bool {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.stop();
        }
    }
}

/// A client with a cookie jar that does not follow redirects.
pub fn browser() -> reqwest::Client {
    keqing_web::notify::install_tls();
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The CSRF token in the forms of a page.
pub async fn csrf(client: &reqwest::Client, url: &str) -> String {
    let html = client.get(url).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..start + 64].to_owned()
}

/// Logs in through the login form of `server`.
pub async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) -> reqwest::StatusCode {
    let token = csrf(client, &format!("{base}/login")).await;
    client
        .post(format!("{base}/login"))
        .form(&[("csrf", token.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}
