//! The Shandong case: the province's 2022 plan for science and technology innovation (R&D
//! intensity 2.8 % and high-tech output about 53 % of industrial output by 2027), with the real
//! Shandong series.

use crate::plan::Plan;
use crate::scenario::ScenarioSet;

/// The plan file shipped for Shandong (`plans/shandong-2022-2027.toml`).
pub const PLAN_TOML: &str = include_str!("../../plans/shandong-2022-2027.toml");

/// The scenario file shipped for the Shandong plan (`scenarios/shandong.toml`).
pub const SCENARIOS_TOML: &str = include_str!("../../scenarios/shandong.toml");

/// The case: its plan id and files (an entry of [`super::BUILTIN`]).
pub const CASE: super::Case = super::Case {
    id: "shandong-2022-2027",
    plan_toml: PLAN_TOML,
    scenarios_toml: SCENARIOS_TOML,
};

/// The embedded Shandong plan (the same as [`Plan::shandong`]).
///
/// ```
/// assert_eq!(innodex::cases::shandong::plan().meta().id, "shandong-2022-2027");
/// ```
pub fn plan() -> Plan {
    CASE.plan()
}

/// The embedded Shandong scenarios (the same as [`ScenarioSet::shandong`]).
pub fn scenarios() -> ScenarioSet {
    CASE.scenarios()
}
