//! placeholder
use super::PhaseCtx;
use crate::sync::outcome::Stop;
pub(super) async fn run(_ctx: &mut PhaseCtx<'_>) -> Result<(), Stop> { Ok(()) }
