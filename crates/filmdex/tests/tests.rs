//! The integration tests of filmdex, one binary with a module per area.

mod akas;
mod api;
mod deploy;
mod exit_codes;
mod fetch;
mod http_fixture;
mod interrupted;
mod logs;
mod lookup;
mod object_storage;
mod pipeline;
mod readers;
mod real_samples;
mod seed_golden;
mod shards;
mod similarity;
mod support;
mod text_queries;
