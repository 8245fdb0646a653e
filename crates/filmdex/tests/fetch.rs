//! `fetch` against a server on 127.0.0.1: resume after a cut, 304, a server that ignores Range,
//! a truncated gzip, a 404, and the no-network message.

use std::io::Write;

use filmdex::config::FetchConfig;
use filmdex::dumps::Dump;
use filmdex::fetch::{download, FetchOutcome};
use flate2::write::GzEncoder;

use crate::http_fixture::{Behaviour, FixtureServer};

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
    }
}

fn url(server: &FixtureServer) -> String {
    format!("{}title.ratings.tsv.gz", server.base_url)
}

#[test]
fn a_cut_download_resumes_with_range_and_if_range() {
    let body = ratings_gzip(50_000, 1);
    let server = FixtureServer::start(body.clone(), Behaviour::CutFirstResponse);
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
    let outcome =
        download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("download");
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
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
    download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("first download");
    let outcome =
        download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("second");
    assert_eq!(outcome, FetchOutcome::Unchanged { rows: 1_000 });
    let requests = server.requests();
    assert_eq!(requests[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(requests[1].status, 304);

    // A new version on the server is downloaded.
    let newer = ratings_gzip(1_200, 3);
    server.replace(newer.clone(), "\"v2\"");
    let outcome =
        download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("third");
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
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
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
    download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("download");
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
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
    let error = download(&url(&server), &dest, Dump::TitleRatings, &config(&server))
        .expect_err("truncated");
    let message = format!("{error:#}");
    assert!(message.contains("truncated or corrupt"), "{message}");
    assert!(!dest.exists());
    assert!(!dir.path().join(".title.ratings.tsv.gz.download").exists());
}

#[test]
fn a_404_fails_at_once_naming_the_url() {
    let server = FixtureServer::start(Vec::new(), Behaviour::NotFound);
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
    let error =
        download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect_err("404");
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
fn an_unchanged_file_already_verified_is_not_decoded_again() {
    let body = ratings_gzip(1_000, 6);
    let server = FixtureServer::start(body.clone(), Behaviour::Normal);
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("title.ratings.tsv.gz");
    download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("first download");
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
    let outcome =
        download(&url(&server), &dest, Dump::TitleRatings, &config(&server)).expect("second");
    assert_eq!(outcome, FetchOutcome::Unchanged { rows: 1_000 });
    assert_eq!(server.requests()[1].status, 304);
}
