//! The case studies shipped with innodex, each a plan file, a scenario file and whatever is
//! specific to it: [`linyi`] (the city's 2021–2025 plan, the project's origin) and [`shandong`]
//! (the province's 2022 plan). Everything outside this module works on any plan; a new case is a
//! plan file (and a scenario file) plus a line in [`BUILTIN`].
//!
//! ```
//! use innodex::cases;
//! assert_eq!(cases::BUILTIN.iter().map(|c| c.id).collect::<Vec<_>>(),
//!            ["linyi-2021-2025", "shandong-2022-2027"]);
//! assert_eq!(cases::builtin("shandong-2022-2027").unwrap().plan().targets().len(), 2);
//! ```

/// Declares a case module's files and its entry of [`BUILTIN`]: `PLAN_TOML`, `SCENARIOS_TOML`
/// (the files embedded from `plans/` and `scenarios/`), `CASE`, `plan()` and `scenarios()`.
macro_rules! case_files {
    ($module:ident, $id:literal, $scenarios:literal) => {
        #[doc = concat!("The plan file shipped for this case (`plans/", $id, ".toml`).")]
        pub const PLAN_TOML: &str = include_str!(concat!("../../plans/", $id, ".toml"));

        #[doc = concat!("The scenario file shipped for this case (`scenarios/", $scenarios, "`).")]
        pub const SCENARIOS_TOML: &str = include_str!(concat!("../../scenarios/", $scenarios));

        /// The case: its plan id and files (an entry of [`super::BUILTIN`]).
        pub const CASE: super::Case = super::Case {
            id: $id,
            plan_toml: PLAN_TOML,
            scenarios_toml: SCENARIOS_TOML,
        };

        /// The embedded plan.
        ///
        /// ```
        #[doc = concat!(
            "assert_eq!(innodex::cases::", stringify!($module), "::plan().meta().id, \"", $id, "\");"
        )]
        /// ```
        pub fn plan() -> crate::plan::Plan {
            CASE.plan()
        }

        /// The embedded scenarios.
        pub fn scenarios() -> crate::scenario::ScenarioSet {
            CASE.scenarios()
        }
    };
}

pub mod linyi;
pub mod shandong;

use crate::plan::Plan;
use crate::scenario::ScenarioSet;

/// One shipped case: its plan and scenario files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// The plan id.
    pub id: &'static str,
    /// The plan file's text.
    pub plan_toml: &'static str,
    /// The scenario file's text.
    pub scenarios_toml: &'static str,
}

impl Case {
    /// The case's plan.
    pub fn plan(&self) -> Plan {
        Plan::from_toml_str(self.plan_toml).expect("the embedded plans are valid (tested)")
    }

    /// The case's scenarios.
    pub fn scenarios(&self) -> ScenarioSet {
        ScenarioSet::from_toml_str(self.scenarios_toml)
            .expect("the embedded scenario sets are valid (tested)")
    }
}

/// Every shipped case.
pub const BUILTIN: &[Case] = &[linyi::CASE, shandong::CASE];

/// The shipped case with this plan id.
pub fn builtin(id: &str) -> Option<&'static Case> {
    BUILTIN.iter().find(|c| c.id == id)
}
