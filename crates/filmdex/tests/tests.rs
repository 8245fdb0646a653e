//! The integration tests of filmdex, one binary with a module per area.

mod akas;
mod api;
mod deploy;
mod fetch;
mod http_fixture;
mod interrupted;
mod lookup;
mod object_storage;
mod pipeline;
mod real_samples;
mod seed_golden;
mod shards;
mod similarity;
mod support;
mod text_queries;
