//! A small Lambda Runtime API server and the compiled `neptune-cmk-rule`
//! bootstrap running against it: events go in through `/invocation/next`,
//! and every `/response` and `/error` the runtime posts is recorded.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Child;

use crate::harness::*;
use crate::unless_hung;

/// What the runtime reported for one invocation.
#[derive(Debug, Clone)]
pub enum Report {
    Response(Value),
    Error(Value),
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, String)>,
    reports: Vec<(String, Report)>,
    /// How long each invocation may run (the `Lambda-Runtime-Deadline-Ms`
    /// the server hands out).
    time_limit: Duration,
}

/// The bootstrap, running against its own Runtime API server.
pub struct Bootstrap {
    state: Arc<Mutex<State>>,
    child: Child,
}

impl Bootstrap {
    /// Starts the bootstrap against `moto`, with the Lambda environment and
    /// `extra_env` on top. Each invocation gets 60 s.
    pub async fn start(moto: &Moto, extra_env: &[(&str, &str)]) -> Self {
        Self::start_with_time_limit(moto, extra_env, Duration::from_secs(60)).await
    }

    /// [`Bootstrap::start`] with `time_limit` for every invocation.
    pub async fn start_with_time_limit(
        moto: &Moto,
        extra_env: &[(&str, &str)],
        time_limit: Duration,
    ) -> Self {
        let state = Arc::new(Mutex::new(State {
            time_limit,
            ..State::default()
        }));
        let port = serve_runtime_api(state.clone()).await;
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_neptune-cmk-rule"));
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "neptune-cmk")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_ENDPOINT_URL", moto.endpoint());
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Self { state, child }
    }

    /// Queues one event under the request id `id`.
    pub fn send(&self, id: &str, event: &Value) {
        self.send_raw(id, &event.to_string());
    }

    /// Queues one event body as it is, even if it is not JSON.
    pub fn send_raw(&self, id: &str, body: &str) {
        let mut state = self.state.lock().unwrap();
        state.queue.push_back((id.to_owned(), body.to_owned()));
    }

    /// Waits until `count` invocations were reported, with the bootstrap
    /// alive throughout; the reports so far.
    pub async fn reports(&mut self, count: usize) -> Vec<(String, Report)> {
        // Every invocation answers in seconds, or fails its own deadline
        // long before the hang guard.
        let state = self.state.clone();
        let child = &mut self.child;
        unless_hung(&format!("answering {count} events"), async move {
            loop {
                let reports = state.lock().unwrap().reports.clone();
                if reports.len() >= count {
                    return reports;
                }
                assert!(child.try_wait().unwrap().is_none(), "the runtime loop died");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }

    /// Sends one event and waits for its report.
    pub async fn invoke(&mut self, id: &str, event: &Value) -> Report {
        let before = self.state.lock().unwrap().reports.len();
        self.send(id, event);
        let reports = self.reports(before + 1).await;
        reports
            .into_iter()
            .find(|(request, _)| request == id)
            .map(|(_, report)| report)
            .unwrap_or_else(|| panic!("no report for {id}"))
    }

    /// Stops the bootstrap; what it printed on stdout.
    pub async fn stop(mut self) -> String {
        self.child.kill().await.unwrap();
        let mut logs = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut logs)
            .await
            .unwrap();
        logs
    }
}

/// The Embedded Metric Format lines among the bootstrap's logs, in order.
pub fn emf_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter(|line| line.starts_with("{\"_aws\""))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Serves `/2018-06-01/runtime/invocation/next` from a queue and records
/// `/response` and `/error` posts. Requests for more events than queued
/// wait (as Lambda does between invocations).
async fn serve_runtime_api(state: Arc<Mutex<State>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(stream, state.clone()));
        }
    });
    port
}

async fn serve(stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).await.unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body).await.unwrap();
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let response = if path.ends_with("/invocation/next") {
            next_invocation(&state).await
        } else {
            record(&state, &path, &body);
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_owned()
        };
        if reader
            .get_mut()
            .write_all(response.as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn next_invocation(state: &Mutex<State>) -> String {
    let (next, time_limit) = loop {
        {
            let mut state = state.lock().unwrap();
            if let Some(next) = state.queue.pop_front() {
                break (next, state.time_limit);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let deadline = (SystemTime::now() + time_limit)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:neptune-cmk\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{}",
        next.0,
        next.1.len(),
        next.1
    )
}

/// `/2018-06-01/runtime/invocation/{id}/{response|error}`.
fn record(state: &Mutex<State>, path: &str, body: &[u8]) {
    let parts: Vec<&str> = path.split('/').collect();
    if let [.., "invocation", id, kind] = parts.as_slice() {
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let report = if *kind == "response" {
            Report::Response(body)
        } else {
            Report::Error(body)
        };
        state.lock().unwrap().reports.push((id.to_string(), report));
    }
}
