//! Backtests (placeholder).
