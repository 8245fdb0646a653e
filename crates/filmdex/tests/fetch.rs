//! `fetch` against a server on 127.0.0.1: resume after a cut or a stall, 304, a server that
//! ignores Range, a truncated gzip, a 404, the size cap, redirects, and the no-network message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use filmdex::config::FetchConfig;
use filmdex::dumps::Dump;
use filmdex::fetch::{download, DecodePasses, FetchOutcome};
use flate2::write::GzEncoder;

use crate::http_fixture::{Behaviour, FixtureServer, STALL};

fn ratings_gzip(rows: usize, seed: u32) -> Vec<u8> {
    let mut text = String::from("tconst\taverageRating\tnumVotes\n");
    // Varied rows so that the gzip stream is long enough to be cut in half meaningfully.
    for row in 0..rows {
        text.push_str(&format!(
            "tt{:07}\t{}.{}\t{}\n",
            row,
            1 + (row * 7 + seed as usize) % 9,
            row % 10,
            row * 13 % 100_000
        ));
    }
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).expect("compress");
    encoder.finish().expect("finish")
}

fn config(server: &FixtureServer) -> FetchConfig {
    FetchConfig {
        base_url: server.base_url.clone(),
        retries: 2,
        backoff_ms: 10,
        idle_timeout: Duration::from_secs(10),
        max_bytes: 1 << 30,
    }
}

fn url(server: &FixtureServer) -> String {
    format!("{}title.ratings.tsv.gz", server.base_url)
}

/// A temporary folder and the path of the ratings dump in it, where a test downloads to.
fn ratings_target() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
    (dir, dest)
}

/// Downloads the fixture server's ratings dump to `dest`.
fn fetch_ratings(
    server: &FixtureServer,
    dest: &Path,
    config: &FetchConfig,
) -> anyhow::Result<FetchOutcome> {
    download(&url(server), dest, Dump::TitleRatings, config)
}

#[test]
fn a_cut_download_resumes_with_range_and_if_range() {
    let body = ratings_gzip(50_000, 1);
    let server = FixtureServer::start(body.clone(), Behaviour::CutFirstResponse);
    let (_dir, dest) = ratings_target();
    let outcome = fetch_ratings(&server, &dest, &config(&server)).expect("download");
    assert_eq!(
        outcome,
        FetchOutcome::Downloaded {
            bytes: body.len() as u64,
            rows: 50_000
        }
    );
    assert_eq!(std::fs::read(&dest).expect("read"), body);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[1].range.as_deref(),
        Some(format!("bytes={}-", body.len() / 2).as_str())
    );
    assert_eq!(requests[1].if_range.as_deref(), Some("\"v1\""));
    assert_eq!(requests[1].status, 206);
}

#[test]
fn an_unchanged_file_is_not_downloaded_again() {
    let body = ratings_gzip(1_000, 2);
    let server = FixtureServer::start(body, Behaviour::Normal);
    let (_dir, dest) = ratings_target();
    fetch_ratings(&server, &dest, &config(&server)).expect("first download");
    let outcome = fetch_ratings(&server, &dest, &config(&server)).expect("second");
    assert_eq!(outcome, FetchOutcome::Unchanged { rows: 1_000 });
    let requests = server.requests();
    assert_eq!(requests[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(requests[1].status, 304);

    // A new version on the server is downloaded.
    let newer = ratings_gzip(1_200, 3);
    server.replace(newer.clone(), "\"v2\"");
    let outcome = fetch_ratings(&server, &dest, &config(&server)).expect("third");
    assert_eq!(
        outcome,
        FetchOutcome::Downloaded {
            bytes: newer.len() as u64,
            rows: 1_200
        }
    );
    assert_eq!(std::fs::read(&dest).expect("read"), newer);
}

#[test]
fn a_server_that_ignores_range_means_a_clean_restart() {
    let body = ratings_gzip(50_000, 4);
    let server = FixtureServer::start(body.clone(), Behaviour::IgnoreRange);
    let (dir, dest) = ratings_target();
    // A half download left by an earlier run, with its validators.
    std::fs::write(
        dir.path().join(".title.ratings.tsv.gz.download"),
        &body[..body.len() / 3],
    )
    .expect("write");
    std::fs::write(
        dir.path().join(".title.ratings.tsv.gz.download.json"),
        br#"{"etag":"\"v1\"","last_modified":null}"#,
    )
    .expect("write");
    fetch_ratings(&server, &dest, &config(&server)).expect("download");
    assert_eq!(
        std::fs::read(&dest).expect("read"),
        body,
        "the file must not be glued from two halves"
    );
    assert_eq!(server.requests()[0].status, 200);
}

#[test]
fn a_truncated_gzip_is_rejected_and_nothing_is_kept() {
    let body = ratings_gzip(50_000, 5);
    let server = FixtureServer::start(body[..body.len() - 100].to_vec(), Behaviour::Normal);
    let (dir, dest) = ratings_target();
    let error = fetch_ratings(&server, &dest, &config(&server)).expect_err("truncated");
    let message = format!("{error:#}");
    assert!(message.contains("truncated or corrupt"), "{message}");
    assert!(!dest.exists());
    assert!(!dir.path().join(".title.ratings.tsv.gz.download").exists());
}

#[test]
fn a_404_fails_at_once_naming_the_url() {
    let server = FixtureServer::start(Vec::new(), Behaviour::NotFound);
    let (_dir, dest) = ratings_target();
    let error = fetch_ratings(&server, &dest, &config(&server)).expect_err("404");
    let message = format!("{error:#}");
    assert!(
        message.contains("404") && message.contains(&url(&server)),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1, "a 404 is not retried");
}

#[test]
fn no_network_names_the_url_and_points_at_sample_and_base_url() {
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    let config = FetchConfig {
        base_url: "http://127.0.0.1:9/".into(),
        retries: 1,
        backoff_ms: 1,
        ..FetchConfig::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let url = "http://127.0.0.1:9/title.ratings.tsv.gz";
    let error = download(
        url,
        &dir.path().join("x.tsv.gz"),
        Dump::TitleRatings,
        &config,
    )
    .expect_err("refused");
    let message = format!("{error:#}");
    assert!(
        message.contains(url) && message.contains("--sample") && message.contains("--base-url"),
        "{message}"
    );
}

#[test]
fn a_server_that_stops_sending_is_cut_after_the_idle_timeout_and_resumed() {
    let body = ratings_gzip(50_000, 6);
    let server = FixtureServer::start(body.clone(), Behaviour::StallFirstResponse);
    let (_dir, dest) = ratings_target();
    // Well under the stall, and long enough that a fixture server starved by a busy machine
    // is not taken for a silent one before it has sent its half.
    let config = FetchConfig {
        idle_timeout: Duration::from_millis(1500),
        ..config(&server)
    };
    let started = Instant::now();
    fetch_ratings(&server, &dest, &config).expect("download");
    assert!(
        started.elapsed() < STALL,
        "waited {:?} for a silent server",
        started.elapsed()
    );
    assert_eq!(std::fs::read(&dest).expect("read"), body);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[1].range.as_deref(),
        Some(format!("bytes={}-", body.len() / 2).as_str()),
        "the second attempt resumes where the silent one stopped"
    );
}

/// The cap's error, and nothing of the file left behind.
fn assert_refused_for_size(error: anyhow::Error, dir: &std::path::Path) {
    let message = format!("{error:#}");
    assert!(
        message.contains("over the download size limit") && message.contains("--max-download-mb"),
        "{message}"
    );
    assert!(!dir.join("title.ratings.tsv.gz").exists());
    assert!(!dir.join(".title.ratings.tsv.gz.download").exists());
}

#[test]
fn a_file_announced_over_the_size_cap_is_refused_at_once() {
    let body = ratings_gzip(1_000, 7);
    let server = FixtureServer::start(body.clone(), Behaviour::Normal);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = FetchConfig {
        max_bytes: body.len() as u64 - 1,
        ..config(&server)
    };
    let dest = dir.path().join("title.ratings.tsv.gz");
    let error = fetch_ratings(&server, &dest, &config).expect_err("too big");
    assert_refused_for_size(error, dir.path());
    assert_eq!(
        server.requests().len(),
        1,
        "a file too large is not retried"
    );
}

#[test]
fn a_file_without_a_length_is_stopped_at_the_size_cap() {
    let body = ratings_gzip(50_000, 8);
    let server = FixtureServer::start(body.clone(), Behaviour::NoContentLength);
    let (dir, dest) = ratings_target();
    let small = FetchConfig {
        max_bytes: body.len() as u64 / 2,
        ..config(&server)
    };
    let error = fetch_ratings(&server, &dest, &small).expect_err("too big");
    assert_refused_for_size(error, dir.path());
    assert_eq!(
        server.requests().len(),
        1,
        "a file too large is not retried"
    );
    // At the cap exactly, the same file is accepted.
    let exact = FetchConfig {
        max_bytes: body.len() as u64,
        ..config(&server)
    };
    fetch_ratings(&server, &dest, &exact).expect("download");
    assert_eq!(std::fs::read(&dest).expect("read"), body);
}

#[test]
fn a_redirect_within_the_plain_http_mirror_is_followed() {
    let body = ratings_gzip(1_000, 9);
    let server = FixtureServer::start(body.clone(), Behaviour::RedirectSameServer);
    let (_dir, dest) = ratings_target();
    fetch_ratings(&server, &dest, &config(&server)).expect("download");
    assert_eq!(std::fs::read(&dest).expect("read"), body);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/title.ratings.tsv.gz", "/moved/title.ratings.tsv.gz"]
    );
}

#[test]
fn a_redirect_to_another_host_over_plain_http_is_refused() {
    let server = FixtureServer::start(ratings_gzip(1_000, 10), Behaviour::RedirectOtherHost);
    let (_dir, dest) = ratings_target();
    let error = fetch_ratings(&server, &dest, &config(&server)).expect_err("refused");
    let message = format!("{error:#}");
    assert!(
        message.contains("refused the redirect") && message.contains("http://localhost:"),
        "{message}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "the redirect is neither followed nor retried"
    );
    assert!(!dest.exists());
}

#[test]
fn a_redirect_to_https_is_followed() {
    // The fixture speaks plain HTTP only, so the TLS handshake that follows the redirect fails:
    // what matters is that the client went there instead of refusing.
    let server = FixtureServer::start(ratings_gzip(1_000, 11), Behaviour::RedirectToHttps);
    let (_dir, dest) = ratings_target();
    let config = FetchConfig {
        retries: 0,
        ..config(&server)
    };
    let error = fetch_ratings(&server, &dest, &config).expect_err("no TLS");
    let message = format!("{error:#}");
    assert!(!message.contains("refused the redirect"), "{message}");
    assert_eq!(
        server.requests().len(),
        2,
        "the https URL was requested after the redirect: {message}"
    );
}

#[test]
fn an_unchanged_file_already_verified_is_not_decoded_again() {
    let body = ratings_gzip(1_000, 6);
    let server = FixtureServer::start(body.clone(), Behaviour::Normal);
    let (_dir, dest) = ratings_target();
    fetch_ratings(&server, &dest, &config(&server)).expect("first download");
    // Bytes that would not decode, with the verified file's size and modification time: only
    // a decode could tell them apart, and a refresh that changed nothing must not decode.
    let modified = std::fs::metadata(&dest)
        .and_then(|meta| meta.modified())
        .expect("mtime");
    std::fs::write(&dest, vec![0u8; body.len()]).expect("overwrite");
    std::fs::File::options()
        .write(true)
        .open(&dest)
        .and_then(|file| file.set_modified(modified))
        .expect("set mtime");
    let outcome = fetch_ratings(&server, &dest, &config(&server)).expect("second");
    assert_eq!(outcome, FetchOutcome::Unchanged { rows: 1_000 });
    assert_eq!(server.requests()[1].status, 304);
}

#[test]
fn a_download_is_decoded_once_while_it_streams_and_stamped() {
    let server = FixtureServer::start(ratings_gzip(20_000, 7), Behaviour::Normal);
    let (dir, dest) = ratings_target();
    let outcome = fetch_ratings(&server, &dest, &config(&server)).expect("download");
    assert!(matches!(
        outcome,
        FetchOutcome::Downloaded { rows: 20_000, .. }
    ));
    let partial = dir.path().join(".title.ratings.tsv.gz.download");
    let passes = |path| filmdex::fetch::decode_passes(path);
    assert_eq!(
        (passes(&partial), passes(&dest)),
        (
            DecodePasses {
                from_disk: 0,
                while_downloading: 1
            },
            DecodePasses::default()
        ),
        "checked as it arrived, never read back"
    );
    assert_eq!(filmdex::fetch::verified_rows(&dest), Some(20_000));
}

#[test]
fn a_resumed_download_is_checked_whole_in_one_pass() {
    let body = ratings_gzip(50_000, 8);
    let server = FixtureServer::start(body.clone(), Behaviour::CutFirstResponse);
    let (dir, dest) = ratings_target();
    let outcome = fetch_ratings(&server, &dest, &config(&server)).expect("download");
    assert!(matches!(
        outcome,
        FetchOutcome::Downloaded { rows: 50_000, .. }
    ));
    assert_eq!(server.requests()[1].status, 206);
    let partial = dir.path().join(".title.ratings.tsv.gz.download");
    let passes = filmdex::fetch::decode_passes(&partial);
    assert_eq!(passes.from_disk, 0);
    // One pass per attempt; the cut one stops where the connection broke.
    assert_eq!(passes.while_downloading, 2);
}

#[test]
fn a_corrupt_download_keeps_the_file_in_place() {
    let good = ratings_gzip(1_000, 9);
    let bad = ratings_gzip(2_000, 9);
    let server = FixtureServer::start(good.clone(), Behaviour::Normal);
    let (dir, dest) = ratings_target();
    fetch_ratings(&server, &dest, &config(&server)).expect("first");
    server.replace(bad[..bad.len() - 100].to_vec(), "\"v2\"");
    let error = fetch_ratings(&server, &dest, &config(&server)).expect_err("corrupt");
    let message = format!("{error:#}");
    assert!(
        message.contains("the downloaded file failed verification")
            && message
                .contains("is truncated or corrupt: its gzip stream does not decode to the end"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(&dest).expect("kept"),
        good,
        "nothing replaced"
    );
    assert!(!dir.path().join(".title.ratings.tsv.gz.download").exists());
}
