//! Command-line flags of the benchmark examples: `--name value` pairs, checked against the
//! names an example knows, each read with its default.

use std::fmt::Display;
use std::str::FromStr;

pub struct Flags {
    pairs: Vec<(String, String)>,
}

impl Flags {
    /// This process's arguments; an unknown name or a name without value is an error.
    pub fn parse(known: &[&str]) -> Result<Flags, String> {
        let mut pairs = Vec::new();
        let mut it = std::env::args().skip(1);
        while let Some(name) = it.next() {
            if !known.contains(&name.as_str()) {
                return Err(format!(
                    "unknown flag {name}; the flags are {}",
                    known.join(" ")
                ));
            }
            let value = it.next().ok_or_else(|| format!("{name} needs a value"))?;
            pairs.push((name, value));
        }
        Ok(Flags { pairs })
    }

    /// The last value given for `name`, or `default`.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T, String>
    where
        T::Err: Display,
    {
        match self.pairs.iter().rev().find(|(n, _)| n == name) {
            Some((_, value)) => value.parse().map_err(|e| format!("{name} {value}: {e}")),
            None => Ok(default),
        }
    }

    /// The last value given for `name`, if any.
    #[allow(dead_code)] // only some examples have a flag without default
    pub fn optional(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}
