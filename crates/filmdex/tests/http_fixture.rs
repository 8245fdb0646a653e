//! A tiny HTTP/1.1 server on 127.0.0.1 for the fetch tests: it can cut a response short, ignore
//! `Range`, answer 304 to a matching `If-None-Match`, or answer 404. No test touches the internet.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Normal,
    /// The first response stops after half of its body (the connection is closed).
    CutFirstResponse,
    /// Every request gets the whole body with 200, whatever its Range header says.
    IgnoreRange,
    NotFound,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
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
        let base_url = format!("http://{}/", listener.local_addr().expect("local addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let body = Arc::new(Mutex::new(body));
        let etag = Arc::new(Mutex::new("\"v1\"".to_owned()));
        let (seen2, body2, etag2) = (seen.clone(), body.clone(), etag.clone());
        thread::spawn(move || {
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let body = body2.lock().expect("body").clone();
                let etag = etag2.lock().expect("etag").clone();
                handle(stream, index, behaviour, &body, &etag, &seen2);
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
    body: &[u8],
    etag: &str,
    seen: &Mutex<Vec<SeenRequest>>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
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
        range: header("range"),
        if_none_match: header("if-none-match"),
        if_range: header("if-range"),
        status: 0,
    };
    let (status, response_body, extra) = respond(&request, behaviour, body, etag);
    seen.lock()
        .expect("seen")
        .push(SeenRequest { status, ..request });
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        304 => "Not Modified",
        _ => "Not Found",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n{extra}\r\n",
        response_body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let cut = behaviour == Behaviour::CutFirstResponse && index == 0;
    let sent = if cut {
        &response_body[..response_body.len() / 2]
    } else {
        &response_body[..]
    };
    let _ = stream.write_all(sent);
    let _ = stream.flush();
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
