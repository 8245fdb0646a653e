//! Prometheus metrics in the text format, written by hand (a few counters do not need a crate):
//! requests by method, route and status, a latency histogram per route, requests in flight,
//! open and refused connections, reloads, facts about the loaded database (its build time, film
//! count, load time), and the process's own figures (resident memory, CPU seconds, open files;
//! read from `/proc/self` on Linux, left out elsewhere).
//!
//! Labels come only from the route table (the matched route template, or `unmatched`) and from
//! the standard methods, so no client can create unbounded series.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};

use super::snapshot::Snapshot;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Non-cumulative counts per bucket; the last slot is above every bound.
    buckets: [u64; BUCKETS.len() + 1],
    seconds: f64,
    count: u64,
}

/// The server's counters; one per server, shared by all requests.
#[derive(Default)]
pub struct Metrics {
    /// route -> method -> stats. The lock is held for a few additions per request.
    routes: Mutex<HashMap<String, HashMap<&'static str, RouteStats>>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    in_flight: AtomicI64,
    open_connections: AtomicI64,
    refused_over_total: AtomicU64,
    refused_over_client: AtomicU64,
}

/// A request being answered, counted in `filmdex_http_requests_in_flight` until dropped (also
/// when the request is cancelled).
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn observe(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        let method = method_label(method);
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BUCKETS.len());
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Look up before inserting so the common case allocates nothing.
        if !routes.contains_key(route) {
            routes.insert(route.to_owned(), HashMap::new());
        }
        let stats = routes
            .get_mut(route)
            .expect("inserted above")
            .entry(method)
            .or_default();
        *stats.by_status.entry(status.as_u16()).or_default() += 1;
        stats.buckets[bucket] += 1;
        stats.seconds += seconds;
        stats.count += 1;
    }

    pub fn request_started(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn connection_opened(&self) {
        self.open_connections.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_closed(&self) {
        self.open_connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// A connection closed on accept: over the cap of one client, or of all.
    pub fn connection_refused(&self, reason: &'static str) {
        let counter = if reason == "client" {
            &self.refused_over_client
        } else {
            &self.refused_over_total
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn reloaded(&self, ok: bool) {
        let counter = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The whole exposition, with the database facts of `snapshot`.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        render_database(&mut out, snapshot);
        let _ = writeln!(
            out,
            "# HELP filmdex_reloads_total Database reloads, by result."
        );
        let _ = writeln!(out, "# TYPE filmdex_reloads_total counter");
        let _ = writeln!(
            out,
            "filmdex_reloads_total{{result=\"ok\"}} {}",
            self.reloads_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "filmdex_reloads_total{{result=\"failed\"}} {}",
            self.reloads_failed.load(Ordering::Relaxed)
        );
        self.render_connections(&mut out);
        render_process(&mut out);
        out
    }

    fn render_connections(&self, out: &mut String) {
        let gauges = [
            (
                "filmdex_http_requests_in_flight",
                "Requests being answered now.",
                self.in_flight.load(Ordering::Relaxed),
            ),
            (
                "filmdex_open_connections",
                "Client connections open now.",
                self.open_connections.load(Ordering::Relaxed),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        let name = "filmdex_connections_refused_total";
        let _ = writeln!(
            out,
            "# HELP {name} Connections closed on accept, by the cap they were over.\n# TYPE {name} counter"
        );
        let _ = writeln!(
            out,
            "{name}{{cap=\"client\"}} {}\n{name}{{cap=\"total\"}} {}",
            self.refused_over_client.load(Ordering::Relaxed),
            self.refused_over_total.load(Ordering::Relaxed)
        );
    }

    fn render_requests(&self, out: &mut String) {
        let routes = self
            .routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut series: Vec<(&str, &str, &RouteStats)> = routes
            .iter()
            .flat_map(|(route, methods)| {
                methods
                    .iter()
                    .map(move |(method, stats)| (route.as_str(), *method, stats))
            })
            .collect();
        series.sort_by_key(|&(route, method, _)| (route, method));
        let _ = writeln!(
            out,
            "# HELP filmdex_http_requests_total HTTP requests, by method, route and status."
        );
        let _ = writeln!(out, "# TYPE filmdex_http_requests_total counter");
        for &(route, method, stats) in &series {
            for (status, count) in &stats.by_status {
                let labels = format!(
                    "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                    escape(route)
                );
                let _ = writeln!(out, "filmdex_http_requests_total{{{labels}}} {count}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP filmdex_http_request_duration_seconds Time to answer, by method and route."
        );
        let _ = writeln!(
            out,
            "# TYPE filmdex_http_request_duration_seconds histogram"
        );
        for &(route, method, stats) in &series {
            let name = "filmdex_http_request_duration_seconds";
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(&stats.buckets) {
                cumulative += count;
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", stats.count);
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", stats.seconds);
            let _ = writeln!(out, "{name}_count{{{labels}}} {}", stats.count);
        }
    }
}

fn render_database(out: &mut String, snapshot: &Snapshot) {
    let meta = &snapshot.meta;
    let built = humantime::parse_rfc3339(&meta.built_at)
        .ok()
        .map_or(f64::NAN, unix_seconds);
    let gauges = [
        (
            "filmdex_database_built_timestamp_seconds",
            "When the served database was built.",
            built,
        ),
        (
            "filmdex_database_loaded_timestamp_seconds",
            "When the server loaded the served database.",
            unix_seconds(snapshot.load.loaded_at),
        ),
        (
            "filmdex_database_load_seconds",
            "How long loading the served database took.",
            snapshot.load.load_time.as_secs_f64(),
        ),
        (
            "filmdex_films",
            "Films in the served database.",
            snapshot.films().len() as f64,
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP filmdex_database_info The served database; the value is always 1."
    );
    let _ = writeln!(out, "# TYPE filmdex_database_info gauge");
    let _ = writeln!(
        out,
        "filmdex_database_info{{built_at=\"{}\",feature_set=\"{}\",schema_version=\"{}\"}} 1",
        escape(&meta.built_at),
        meta.feature_set,
        meta.schema_version
    );
}

/// The standard `process_*` figures of the Prometheus client libraries, from `/proc/self`.
fn render_process(out: &mut String) {
    let Ok(process) = procfs::process::Process::myself() else {
        return;
    };
    let mut gauges: Vec<(&str, &str, &str, f64)> = Vec::new();
    if let Ok(stat) = process.stat() {
        let cpu_ticks = (stat.utime + stat.stime) as f64;
        gauges.push((
            "process_cpu_seconds_total",
            "counter",
            "User and system CPU time spent, in seconds.",
            cpu_ticks / procfs::ticks_per_second() as f64,
        ));
        gauges.push((
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size, in bytes.",
            (stat.rss * procfs::page_size()) as f64,
        ));
    }
    if let Ok(open) = process.fd_count() {
        gauges.push((
            "process_open_fds",
            "gauge",
            "Open file descriptors.",
            open as f64,
        ));
    }
    if let Ok((soft, _)) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    {
        gauges.push((
            "process_max_fds",
            "gauge",
            "The open file descriptor limit.",
            soft as f64,
        ));
    }
    for (name, kind, help, value) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
}

fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// Standard methods by name; anything else is one label, so methods cannot multiply series.
fn method_label(method: &Method) -> &'static str {
    static KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::HEAD,
        Method::OPTIONS,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::TRACE,
        Method::CONNECT,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("OTHER", |known| known.as_str())
}

/// A label value escaped as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_by_route_and_status_with_cumulative_buckets() {
        let metrics = Metrics::default();
        let route = "/film/{film_id}";
        metrics.observe(
            &Method::GET,
            route,
            StatusCode::OK,
            Duration::from_micros(300),
        );
        metrics.observe(
            &Method::GET,
            route,
            StatusCode::NOT_FOUND,
            Duration::from_millis(3),
        );
        let mut out = String::new();
        metrics.render_requests(&mut out);
        assert!(out.contains("filmdex_http_requests_total{method=\"GET\",route=\"/film/{film_id}\",status=\"200\"} 1"));
        assert!(out.contains("filmdex_http_requests_total{method=\"GET\",route=\"/film/{film_id}\",status=\"404\"} 1"));
        assert!(
            out.contains("_bucket{method=\"GET\",route=\"/film/{film_id}\",le=\"0.0005\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("_bucket{method=\"GET\",route=\"/film/{film_id}\",le=\"0.005\"} 2"),
            "{out}"
        );
        assert!(
            out.contains("_count{method=\"GET\",route=\"/film/{film_id}\"} 2"),
            "{out}"
        );
    }

    #[test]
    fn unusual_methods_share_one_label() {
        let method = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_label(&method), "OTHER");
        assert_eq!(method_label(&Method::GET), "GET");
    }
}
