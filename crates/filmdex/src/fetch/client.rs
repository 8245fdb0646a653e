//! The HTTP client of the downloads: an idle timeout instead of a whole-body limit, and a
//! redirect policy that never leaves https.

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use reqwest::blocking::Client;
use reqwest::redirect::{Attempt, Policy};
use reqwest::Url;

use crate::config::FetchConfig;

/// Redirects followed before a request is given up as a loop.
const MAX_REDIRECTS: usize = 5;

/// A client whose every wait (the answer, then each read of the body) ends after
/// `config.idle_timeout`: a server that stops sending frees the build lock and the next attempt
/// resumes where it stopped. A 1.5 GB dump may take as long as it needs while bytes flow.
pub fn client(config: &FetchConfig) -> Result<Client> {
    Client::builder()
        .connect_timeout(config.idle_timeout.min(Duration::from_secs(10)))
        // The blocking client applies this to sending and to each read separately, not to the
        // whole body.
        .timeout(config.idle_timeout)
        .tcp_keepalive(Duration::from_secs(30))
        .redirect(Policy::custom(follow_https_only))
        .user_agent(concat!("filmdex/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("creating the HTTP client")
}

fn follow_https_only(attempt: Attempt) -> reqwest::redirect::Action {
    let Some(from) = attempt.previous().last().cloned() else {
        return attempt.follow();
    };
    if attempt.previous().len() > MAX_REDIRECTS {
        let start = attempt.previous()[0].clone();
        return attempt.error(anyhow!(
            "more than {MAX_REDIRECTS} redirects, starting at {start}"
        ));
    }
    if redirect_allowed(&from, attempt.url()) {
        attempt.follow()
    } else {
        let to = attempt.url().clone();
        attempt.error(anyhow!(
            "refused the redirect from {from} to {to}: downloads follow redirects only to https \
             (or within the plain-http mirror given as --base-url)"
        ))
    }
}

/// A redirect may go to any https URL. To plain http it may go only from plain http on the same
/// host and port: within a mirror the user chose to reach without TLS, never from https down to
/// http and never to another host in the clear.
pub fn redirect_allowed(from: &Url, to: &Url) -> bool {
    match to.scheme() {
        "https" => true,
        "http" => {
            from.scheme() == "http"
                && from.host_str() == to.host_str()
                && from.port_or_known_default() == to.port_or_known_default()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    #[test]
    fn redirects_go_to_https_or_stay_on_the_same_plain_http_mirror() {
        let https = url("https://datasets.example/a.tsv.gz");
        assert!(redirect_allowed(
            &https,
            &url("https://cdn.example/a.tsv.gz")
        ));
        assert!(!redirect_allowed(
            &https,
            &url("http://datasets.example/a.tsv.gz")
        ));
        assert!(!redirect_allowed(
            &https,
            &url("ftp://datasets.example/a.tsv.gz")
        ));
        let mirror = url("http://10.0.0.5:8080/dumps/a.tsv.gz");
        assert!(redirect_allowed(
            &mirror,
            &url("http://10.0.0.5:8080/v2/a.tsv.gz")
        ));
        assert!(redirect_allowed(&mirror, &url("https://10.0.0.5/a.tsv.gz")));
        assert!(!redirect_allowed(
            &mirror,
            &url("http://10.0.0.6:8080/a.tsv.gz")
        ));
        assert!(!redirect_allowed(
            &mirror,
            &url("http://10.0.0.5:8081/a.tsv.gz")
        ));
    }
}
