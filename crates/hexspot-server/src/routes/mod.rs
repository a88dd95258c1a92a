//! The handlers, one module per resource. Each parses its parameters strictly, answers
//! 304 from the entity tag before doing any work, and leaves heavy work to blocking
//! threads. They share only leaf modules (`http`, `query`, `error`, `state`), never
//! each other.

pub mod areas;
pub mod backtest;
pub mod cells;
pub mod emerging;
pub mod evaluate;
pub mod health;
pub mod hotspots;
pub mod imports;
pub mod kde;
pub mod meta;
pub mod outline;
pub mod plan;
pub mod public;
pub mod tiles;
pub mod trend;
