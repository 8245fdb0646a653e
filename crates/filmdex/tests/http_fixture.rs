//! A tiny HTTP/1.1 server on 127.0.0.1 for the fetch tests: it can cut a response short, ignore
//! `Range`, answer 304 to a matching `If-None-Match`, answer 404, stall mid-body, leave out the
//! length, or redirect. No test touches the internet.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Normal,
    /// The first response stops after half of its body (the connection is closed).
    CutFirstResponse,
    /// Every request gets the whole body with 200, whatever its Range header says.
    IgnoreRange,
    NotFound,
    /// The first response sends half of its body, then nothing for [`STALL`], connection open.
    StallFirstResponse,
    /// No `Content-Length`: the body ends when the connection closes.
    NoContentLength,
    /// Requests for anything outside `/moved/` are sent there with 301, on the same server.
    RedirectSameServer,
    /// Requests are sent with 302 to the same path at `http://localhost:<port>` (another host
    /// name for the same server).
    RedirectOtherHost,
    /// Requests are sent with 302 to the same path at `https://127.0.0.1:<port>`.
    RedirectToHttps,
}

/// How long [`Behaviour::StallFirstResponse`] keeps silent.
pub const STALL: Duration = Duration::from_secs(5);

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub path: String,
    pub range: Option<String>,
    pub if_none_match: Option<String>,
    pub if_range: Option<String>,
    pub status: u16,
}

pub struct FixtureServer {
    pub base_url: String,
    pub seen: Arc<Mutex<Vec<SeenRequest>>>,
    pub body: Arc<Mutex<Vec<u8>>>,
    pub etag: Arc<Mutex<String>>,
}

impl FixtureServer {
    pub fn start(body: Vec<u8>, behaviour: Behaviour) -> FixtureServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let base_url = format!("http://127.0.0.1:{port}/");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let body = Arc::new(Mutex::new(body));
        let etag = Arc::new(Mutex::new("\"v1\"".to_owned()));
        let (seen2, body2, etag2) = (seen.clone(), body.clone(), etag.clone());
        thread::spawn(move || {
            // One thread per connection, so a stalled answer does not hold up the next one.
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let body = body2.lock().expect("body").clone();
                let etag = etag2.lock().expect("etag").clone();
                let seen = seen2.clone();
                thread::spawn(move || handle(stream, index, behaviour, port, &body, &etag, &seen));
            }
        });
        FixtureServer {
            base_url,
            seen,
            body,
            etag,
        }
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().expect("seen").clone()
    }

    /// Publishes a new version of the file.
    pub fn replace(&self, body: Vec<u8>, etag: &str) {
        *self.body.lock().expect("body") = body;
        *self.etag.lock().expect("etag") = etag.to_owned();
    }
}

fn handle(
    mut stream: TcpStream,
    index: usize,
    behaviour: Behaviour,
    port: u16,
    body: &[u8],
    etag: &str,
    seen: &Mutex<Vec<SeenRequest>>,
) {
    // A client that sends something other than HTTP (a TLS handshake) gets an answer anyway.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        headers.push(line.trim_end().to_owned());
    }
    let header = |name: &str| {
        headers.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let request = SeenRequest {
        path,
        range: header("range"),
        if_none_match: header("if-none-match"),
        if_range: header("if-range"),
        status: 0,
    };
    let (status, response_body, extra) = match redirect(&request.path, behaviour, port) {
        Some(location) => (302, Vec::new(), format!("Location: {location}\r\n")),
        None => respond(&request, behaviour, body, etag),
    };
    seen.lock()
        .expect("seen")
        .push(SeenRequest { status, ..request });
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        304 => "Not Modified",
        _ => "Not Found",
    };
    let length = match behaviour {
        Behaviour::NoContentLength => String::new(),
        _ => format!("Content-Length: {}\r\n", response_body.len()),
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\n{length}ETag: {etag}\r\nConnection: close\r\n{extra}\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
    let first = index == 0;
    let half = matches!(
        behaviour,
        Behaviour::CutFirstResponse | Behaviour::StallFirstResponse
    ) && first;
    let sent = if half {
        &response_body[..response_body.len() / 2]
    } else {
        &response_body[..]
    };
    let _ = stream.write_all(sent);
    let _ = stream.flush();
    if behaviour == Behaviour::StallFirstResponse && first {
        thread::sleep(STALL);
    }
}

/// Where a redirecting server sends a request, if it does.
fn redirect(path: &str, behaviour: Behaviour, port: u16) -> Option<String> {
    match behaviour {
        Behaviour::RedirectSameServer if !path.starts_with("/moved/") => {
            Some(format!("/moved{path}"))
        }
        Behaviour::RedirectOtherHost => Some(format!("http://localhost:{port}{path}")),
        Behaviour::RedirectToHttps => Some(format!("https://127.0.0.1:{port}{path}")),
        _ => None,
    }
}

fn respond(
    request: &SeenRequest,
    behaviour: Behaviour,
    body: &[u8],
    etag: &str,
) -> (u16, Vec<u8>, String) {
    if behaviour == Behaviour::NotFound {
        return (404, b"not found".to_vec(), String::new());
    }
    if request.if_none_match.as_deref() == Some(etag) {
        return (304, Vec::new(), String::new());
    }
    let range_start = request
        .range
        .as_deref()
        .and_then(|range| range.strip_prefix("bytes="))
        .and_then(|range| range.trim_end_matches('-').parse::<usize>().ok());
    let validator_matches = request
        .if_range
        .as_deref()
        .is_none_or(|value| value == etag);
    match range_start {
        Some(start)
            if behaviour != Behaviour::IgnoreRange && validator_matches && start < body.len() =>
        {
            let extra = format!(
                "Content-Range: bytes {start}-{}/{}\r\n",
                body.len() - 1,
                body.len()
            );
            (206, body[start..].to_vec(), extra)
        }
        _ => (200, body.to_vec(), String::new()),
    }
}
