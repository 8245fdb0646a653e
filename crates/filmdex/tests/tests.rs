//! The integration tests of filmdex, one binary with a module per area.

mod api;
mod fetch;
mod http_fixture;
mod interrupted;
mod pipeline;
mod real_samples;
mod seed_golden;
mod similarity;
mod support;
