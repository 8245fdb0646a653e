//! Integration tests of the similarity kernel: against a naive reference (property tests), by
//! hand, across thread counts, and on a realistic synthetic corpus.

mod explain;
mod hand;
mod pages;
mod properties;
mod realistic;
mod shards;
mod support;
mod taste;
