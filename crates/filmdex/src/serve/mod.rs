//! The HTTP server (API issue): placeholder until the serve module lands.

use anyhow::{bail, Result};

use crate::config::ServeConfig;

/// Serves `config.database` until shut down.
pub fn run(config: ServeConfig) -> Result<()> {
    bail!("serving {} is not built yet", config.database.display())
}
