//! The construction pipeline: denominate → impute → screen → treat → normalise → aggregate,
//! every stage optional and configurable, every stage's output kept in the [`Build`]
//! (COINr's "coin": one object that can be rebuilt with other methodological choices; here the
//! choices are a typed [`PipelineSpec`] rather than string addresses into a log).
//!
//! ```
//! use innodex::index::{CompositeIndex, PipelineSpec};
//! let idx = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
//! let built = idx.build(&PipelineSpec::default()).unwrap();
//! let top = built.ranking("Index").unwrap();
//! assert_eq!(top[0].0, "DEU");
//! assert!((top[0].1 - 75.2278).abs() < 1e-4);
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::aggregate::{self, Aggregation};
use super::denominate::{self, DenominateSpec};
use super::error::IndexError;
use super::framework::{Framework, NodeKind};
use super::impute::{self, Imputation};
use super::normalise::{self, Normalisation, NormaliseFailure};
use super::screen::{self, ScreenReport, ScreenSpec};
use super::stats;
use super::table::UnitData;
use super::treat::{self, ColumnTreatment, TreatParams, TreatSpec};

/// The methodological choices of one build. Every field has a default: no denomination,
/// imputation, screening or treatment; min-max to [0, 100]; arithmetic means; the framework's
/// weights.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// Denomination (off when absent).
    #[serde(default)]
    pub denominate: Option<DenominateSpec>,
    /// Imputation (off when absent).
    #[serde(default)]
    pub impute: Option<Imputation>,
    /// Screening of units (off when absent).
    #[serde(default)]
    pub screen: Option<ScreenSpec>,
    /// Screen units before imputing (default: impute, then screen, as COINr's example).
    #[serde(default)]
    pub screen_before_impute: bool,
    /// Outlier treatment (off when absent).
    #[serde(default)]
    pub treat: Option<TreatSpec>,
    /// Normalisation of every indicator.
    #[serde(default)]
    pub normalise: Normalisation,
    /// Per-indicator normalisation, overriding `normalise`.
    #[serde(default)]
    pub normalise_indicators: BTreeMap<String, Normalisation>,
    /// Aggregation at every level.
    #[serde(default)]
    pub aggregate: Aggregation,
    /// Aggregation per level (key: level number, e.g. `"3"`) or per aggregate (key: its code),
    /// overriding `aggregate`; codes take precedence over levels.
    #[serde(default)]
    pub aggregate_nodes: BTreeMap<String, Aggregation>,
    /// Minimum share of children with data for an aggregate to be computed.
    #[serde(default)]
    pub min_availability: Option<f64>,
    /// Weight overrides by code.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
}

impl PipelineSpec {
    /// COINr's full example pipeline for the ASEM data (`build_example_coin()`): denominate as
    /// `iMeta` says; impute by the mean of the unit's `EurAsia_group`; screen units with less
    /// than 90 % data; treat with at most 5 winsorised points, skewness 2, kurtosis 3.5, then
    /// `log_CT`; min-max to [0, 100]; arithmetic means.
    pub fn coinr_example() -> PipelineSpec {
        PipelineSpec {
            denominate: Some(DenominateSpec::default()),
            impute: Some(Imputation::GroupMean {
                group: "EurAsia_group".into(),
            }),
            screen: Some(ScreenSpec {
                min_availability: 0.9,
                ..ScreenSpec::default()
            }),
            treat: Some(TreatSpec::default()),
            ..PipelineSpec::default()
        }
    }

    /// Parses a pipeline from TOML.
    ///
    /// # Errors
    /// [`IndexError::Input`] (line, column and key).
    pub fn from_toml_str(text: &str) -> Result<PipelineSpec, IndexError> {
        crate::io::parse_toml(text, "pipeline spec").map_err(IndexError::from)
    }
}

/// A data set at one stage: units × indicators, held column-wise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// The stage's name.
    pub name: String,
    /// Unit codes (rows).
    pub units: Vec<String>,
    /// Indicator codes (columns).
    pub indicators: Vec<String>,
    /// `values[indicator][unit]`, missing as `NaN`.
    pub values: Vec<Vec<f64>>,
}

impl Stage {
    /// One indicator's column.
    pub fn column(&self, code: &str) -> Option<&[f64]> {
        self.indicators
            .iter()
            .position(|c| c == code)
            .map(|i| self.values[i].as_slice())
    }

    /// One value.
    pub fn get(&self, unit: &str, code: &str) -> Option<f64> {
        let r = self.units.iter().position(|u| u == unit)?;
        self.column(code).map(|c| c[r])
    }
}

/// An imputed point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImputedPoint {
    /// Unit.
    pub unit: String,
    /// Indicator.
    pub indicator: String,
    /// The value filled in.
    pub value: f64,
}

/// The treatment record of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorTreatment {
    /// The indicator.
    pub indicator: String,
    /// Skipped by the spec?
    pub skipped: bool,
    /// The details (absent when skipped).
    pub detail: Option<ColumnTreatment>,
}

/// One treated point, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatedPointRecord {
    /// Indicator.
    pub indicator: String,
    /// Unit.
    pub unit: String,
    /// Value before.
    pub before: f64,
    /// Value after.
    pub after: f64,
    /// `winsorised_high`, `winsorised_low` or `transformed`.
    pub how: treat::PointTreatment,
}

/// Every stage of one build of the index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Build {
    /// The framework.
    pub framework: Framework,
    /// The choices made.
    pub spec: PipelineSpec,
    /// The weights used, one per node.
    pub weights: Vec<f64>,
    /// Raw data.
    pub raw: Stage,
    /// After denomination.
    pub denominated: Option<Stage>,
    /// After imputation.
    pub imputed: Option<Stage>,
    /// The imputed points.
    pub imputed_points: Vec<ImputedPoint>,
    /// After screening.
    pub screened: Option<Stage>,
    /// The screening figures.
    pub screen_report: Option<ScreenReport>,
    /// After treatment.
    pub treated: Option<Stage>,
    /// The treatment record, per indicator.
    pub treatment: Vec<IndicatorTreatment>,
    /// Normalised indicators.
    pub normalised: Stage,
    /// Scores of every node (indicators: normalised values; aggregates: aggregated), with the
    /// units that survived screening as rows and node codes as columns, in node order.
    pub scores: Stage,
}

/// A composite index: a framework and the unit data of one period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompositeIndex {
    /// The framework.
    pub framework: Framework,
    /// The unit data (one row per unit).
    pub data: UnitData,
}

/// Stage functions shared by the build, the uncertainty analysis and panels.
pub(crate) mod engine {
    use super::*;
    use std::borrow::Cow;

    /// Everything a build needs, resolved to positions (no look-ups by code in hot loops).
    #[derive(Debug, Clone)]
    pub struct Resolved {
        pub denominate: Option<Vec<Option<denominate::Denomination>>>,
        pub impute: Option<Imputation>,
        pub screen: Option<ScreenSpec>,
        pub screen_first: bool,
        pub treat: Option<Vec<Option<TreatParams>>>,
        pub norms: Vec<Normalisation>,
        pub aggs: Vec<Aggregation>,
        pub weights: Vec<f64>,
        pub min_availability: Option<f64>,
    }

    /// Resolves and validates a spec against a framework and data.
    pub fn resolve(
        fw: &Framework,
        data: &UnitData,
        spec: &PipelineSpec,
    ) -> Result<Resolved, IndexError> {
        resolve_with(fw, data, spec, false)
    }

    /// As [`resolve`]; with `panel`, a panel imputation method is accepted and left to the
    /// caller (it is dropped from the result).
    pub fn resolve_with(
        fw: &Framework,
        data: &UnitData,
        spec: &PipelineSpec,
        panel: bool,
    ) -> Result<Resolved, IndexError> {
        let denominate = match &spec.denominate {
            None => None,
            Some(d) => Some(denominate::resolve(fw, data, d)?),
        };
        if let Some(m) = &spec.impute {
            if let Some(g) = m.group()
                && !data.groups.contains_key(g)
            {
                return Err(IndexError::Unknown {
                    kind: "group",
                    code: g.to_string(),
                });
            }
            if m.is_panel() && !panel {
                return Err(IndexError::bad(
                    "impute",
                    format!(
                        "{} needs several years of data: build a panel (innodex::index::panel)",
                        m.label()
                    ),
                ));
            }
        }
        if let Some(a) = spec.min_availability
            && !(0.0..=1.0).contains(&a)
        {
            return Err(IndexError::bad(
                "min_availability",
                format!("{a} is not in [0, 1]"),
            ));
        }
        if let Some(s) = &spec.screen {
            screen::validate(s, &data.units)?;
        }
        Ok(Resolved {
            denominate,
            impute: spec
                .impute
                .clone()
                .filter(|m| *m != Imputation::None && !m.is_panel()),
            screen: spec.screen.clone(),
            screen_first: spec.screen_before_impute,
            treat: match &spec.treat {
                None => None,
                Some(t) => Some(treatments(fw, t)?),
            },
            norms: normalisations(fw, spec)?,
            aggs: aggregations(fw, spec)?,
            weights: fw.weights_with(&spec.weights)?,
            min_availability: spec.min_availability,
        })
    }

    /// Runs denomination to normalisation. Returns the rows of `data` kept by screening and
    /// the normalised indicator columns (for those rows).
    pub fn prefix(
        fw: &Framework,
        data: &UnitData,
        r: &Resolved,
    ) -> Result<(Vec<usize>, Vec<Vec<f64>>), IndexError> {
        let (rows, cur) = treated(fw, data, r)?;
        Ok((rows, normalise(fw, &cur, &r.norms)?))
    }

    /// Runs denomination to treatment. Returns the rows of `data` kept by screening and the
    /// treated indicator columns (for those rows).
    pub fn treated(
        fw: &Framework,
        data: &UnitData,
        r: &Resolved,
    ) -> Result<(Vec<usize>, Vec<Vec<f64>>), IndexError> {
        let (rows, mut cur) = imputed(data, r)?;
        if let Some(t) = &r.treat {
            cur = treat_values(fw, &cur, t)?;
        }
        Ok((rows, cur))
    }

    /// Runs denomination, imputation and screening (in the resolved order), the stages before
    /// treatment. Returns the rows of `data` kept by screening and the indicator columns (for
    /// those rows).
    pub fn imputed(
        data: &UnitData,
        r: &Resolved,
    ) -> Result<(Vec<usize>, Vec<Vec<f64>>), IndexError> {
        let mut cur = match &r.denominate {
            None => data.values.clone(),
            Some(how) => denominate::apply(data, &data.values, how),
        };
        let mut rows: Vec<usize> = (0..data.n_rows()).collect();
        let imp = |cur: &mut Vec<Vec<f64>>, rows: &[usize]| {
            if let Some(m) = &r.impute {
                let g: Option<Vec<Option<String>>> = m
                    .group()
                    .map(|g| rows.iter().map(|&k| data.groups[g][k].clone()).collect());
                *cur = impute(cur, m, g.as_deref()).0;
            }
        };
        let scr = |cur: &mut Vec<Vec<f64>>, rows: &mut Vec<usize>| -> Result<(), IndexError> {
            if let Some(s) = &r.screen {
                let units: Vec<&str> = rows.iter().map(|&k| data.units[k].as_str()).collect();
                let keep = screen::kept_rows(cur, &units, s);
                *cur = cur
                    .iter()
                    .map(|c| keep.iter().map(|&i| c[i]).collect())
                    .collect();
                *rows = keep.iter().map(|&i| rows[i]).collect();
            }
            Ok(())
        };
        if r.screen_first {
            scr(&mut cur, &mut rows)?;
            imp(&mut cur, &rows);
        } else {
            imp(&mut cur, &rows);
            scr(&mut cur, &mut rows)?;
        }
        if rows.is_empty() {
            return Err(IndexError::bad("screen", "no unit passes the screening"));
        }
        let units: Vec<String> = rows.iter().map(|&k| data.units[k].clone()).collect();
        check_units(
            &cur,
            &units,
            if r.screen.is_some() {
                " after screening"
            } else {
                ""
            },
        )?;
        Ok((rows, cur))
    }

    /// Per-indicator normalisation methods.
    pub fn normalisations(
        fw: &Framework,
        spec: &PipelineSpec,
    ) -> Result<Vec<Normalisation>, IndexError> {
        let mut out = vec![spec.normalise.clone(); fw.n_indicators()];
        for (code, m) in &spec.normalise_indicators {
            let i = indicator(fw, code)?;
            out[i] = m.clone();
        }
        Ok(out)
    }

    /// Per-node aggregation methods.
    pub fn aggregations(
        fw: &Framework,
        spec: &PipelineSpec,
    ) -> Result<Vec<Aggregation>, IndexError> {
        let mut out = vec![spec.aggregate.clone(); fw.nodes().len()];
        let mut by_code = Vec::new();
        for (key, m) in &spec.aggregate_nodes {
            if let Ok(level) = key.parse::<u32>() {
                if level < 2 || level > fw.n_levels() {
                    return Err(IndexError::bad(
                        format!("aggregate_nodes.{key}"),
                        format!(
                            "level {level} is not an aggregation level (2..={})",
                            fw.n_levels()
                        ),
                    ));
                }
                for i in fw.at_level(level) {
                    out[i] = m.clone();
                }
            } else {
                by_code.push((key, m));
            }
        }
        for (code, m) in by_code {
            let i = fw.require(code)?;
            if fw.node(i).kind != NodeKind::Aggregate {
                return Err(IndexError::bad(
                    format!("aggregate_nodes.{code}"),
                    "is an indicator, not an aggregate",
                ));
            }
            out[i] = m.clone();
        }
        Ok(out)
    }

    /// Per-indicator treatment parameters (none = untreated).
    pub fn treatments(
        fw: &Framework,
        spec: &TreatSpec,
    ) -> Result<Vec<Option<TreatParams>>, IndexError> {
        for code in spec.indicators.keys() {
            indicator(fw, code)?;
        }
        Ok((0..fw.n_indicators())
            .map(|i| spec.params_for(&fw.node(i).code))
            .collect())
    }

    pub fn indicator(fw: &Framework, code: &str) -> Result<usize, IndexError> {
        fw.index_of(code)
            .filter(|&i| i < fw.n_indicators())
            .ok_or_else(|| IndexError::Unknown {
                kind: "indicator",
                code: code.to_string(),
            })
    }

    /// Imputation of all columns.
    pub fn impute(
        cols: &[Vec<f64>],
        method: &Imputation,
        groups: Option<&[Option<String>]>,
    ) -> (Vec<Vec<f64>>, Vec<(usize, usize)>) {
        let mut out = Vec::with_capacity(cols.len());
        let mut filled = Vec::new();
        let ids = groups.map(impute::group_ids);
        let ids = ids.as_ref().map(|(g, n)| (g.as_slice(), *n));
        for (j, c) in cols.iter().enumerate() {
            let (y, f) = impute::impute_column_ids(c, method, ids);
            filled.extend(f.into_iter().map(|r| (r, j)));
            out.push(y);
        }
        (out, filled)
    }

    /// Error unless every unit has at least one value.
    pub fn check_units(cols: &[Vec<f64>], units: &[String], stage: &str) -> Result<(), IndexError> {
        for (r, u) in units.iter().enumerate() {
            if cols.iter().all(|c| c[r].is_nan()) {
                return Err(IndexError::UnitAllMissing {
                    unit: u.clone(),
                    stage: stage.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Treated columns and the record of each.
    pub type Treated = (Vec<Vec<f64>>, Vec<Option<ColumnTreatment>>);

    /// Treatment of all columns.
    pub fn treat(
        fw: &Framework,
        cols: &[Vec<f64>],
        params: &[Option<TreatParams>],
    ) -> Result<Treated, IndexError> {
        let mut out = Vec::with_capacity(cols.len());
        let mut rec = Vec::with_capacity(cols.len());
        for (j, c) in cols.iter().enumerate() {
            match &params[j] {
                None => {
                    out.push(c.clone());
                    rec.push(None);
                }
                Some(p) => {
                    let t = treat::treat_column(c, p).map_err(|reason| IndexError::Transform {
                        indicator: fw.node(j).code.clone(),
                        reason,
                    })?;
                    out.push(t.values.clone());
                    rec.push(Some(t));
                }
            }
        }
        Ok((out, rec))
    }

    /// Treatment of all columns, values only (no record kept).
    pub fn treat_values(
        fw: &Framework,
        cols: &[Vec<f64>],
        params: &[Option<TreatParams>],
    ) -> Result<Vec<Vec<f64>>, IndexError> {
        let moments: Vec<(f64, f64)> = cols
            .iter()
            .zip(params)
            .map(|(c, p)| match p {
                Some(_) => stats::skewness_kurtosis(c),
                None => (f64::NAN, f64::NAN),
            })
            .collect();
        let treated = treat_values_from(fw, cols, &moments, params)?;
        Ok(treated.into_iter().map(Cow::into_owned).collect())
    }

    /// [`treat_values`] from each column's skewness and kurtosis, computed once by an analysis
    /// that treats the same columns many times (the uncertainty analysis); a column left as it
    /// is stays borrowed.
    pub fn treat_values_from<'a>(
        fw: &Framework,
        cols: &'a [Vec<f64>],
        moments: &[(f64, f64)],
        params: &[Option<TreatParams>],
    ) -> Result<Vec<Cow<'a, [f64]>>, IndexError> {
        let mut out = Vec::with_capacity(cols.len());
        for (j, c) in cols.iter().enumerate() {
            match &params[j] {
                None => out.push(Cow::Borrowed(c.as_slice())),
                Some(p) => out.push(treat::treated_values(c, p, moments[j]).map_err(|reason| {
                    IndexError::Transform {
                        indicator: fw.node(j).code.clone(),
                        reason,
                    }
                })?),
            }
        }
        Ok(out)
    }

    /// The stage named in [`IndexError::TooFewValues`] for a normalisation that divides by a
    /// spread of the values (range or standard deviation), so needs two of them.
    fn spread_stage(method: &Normalisation) -> Option<&'static str> {
        match method {
            Normalisation::MinMax { .. } => Some("min-max normalisation (it divides by the range)"),
            Normalisation::ZScore { .. } => {
                Some("z-score normalisation (it divides by the standard deviation)")
            }
            Normalisation::DistanceToMax { .. } => {
                Some("distance-to-max normalisation (it divides by the range)")
            }
            _ => None,
        }
    }

    /// Normalisation of all columns.
    pub fn normalise<C: AsRef<[f64]>>(
        fw: &Framework,
        cols: &[C],
        methods: &[Normalisation],
    ) -> Result<Vec<Vec<f64>>, IndexError> {
        let mut out = Vec::with_capacity(cols.len());
        for (j, c) in cols.iter().enumerate() {
            let c = c.as_ref();
            let node = fw.node(j);
            // A single value (one unit, or one left by the preceding stages) has no range or
            // spread: say so, rather than call the indicator constant.
            let single = spread_stage(&methods[j]).filter(|_| stats::count(c) == 1);
            let y = normalise::normalise_column(c, &methods[j], node.direction, node.target)
                .map_err(|f| match (f, single) {
                    (NormaliseFailure::ZeroRange(_), Some(stage)) => IndexError::TooFewValues {
                        indicator: node.code.clone(),
                        n: 1,
                        needed: 2,
                        stage,
                    },
                    (NormaliseFailure::ZeroRange(value), None) => IndexError::ZeroRange {
                        indicator: node.code.clone(),
                        value,
                        method: methods[j].name(),
                        stage: "the preceding stages",
                    },
                    (NormaliseFailure::Empty, _) => IndexError::TooFewValues {
                        indicator: node.code.clone(),
                        n: 0,
                        needed: 1,
                        stage: "normalisation",
                    },
                    (NormaliseFailure::Other(reason), _) => IndexError::Transform {
                        indicator: node.code.clone(),
                        reason: format!("{} normalisation: {reason}", methods[j].name()),
                    },
                })?;
            out.push(y);
        }
        Ok(out)
    }
}

impl CompositeIndex {
    /// A composite index from a framework and unit data (one row per unit).
    ///
    /// # Errors
    /// [`IndexError::DuplicateCode`] for a repeated unit, [`IndexError::NotANumber`] for an
    /// infinite value, [`IndexError::Mismatch`] if the data's indicator columns are not the
    /// framework's indicators.
    pub fn new(framework: Framework, data: UnitData) -> Result<CompositeIndex, IndexError> {
        data.check_unique_units()?;
        data.check_values()?;
        if data.indicators != framework.indicator_codes() {
            return Err(IndexError::Mismatch(
                "the data's indicator columns must be the framework's indicators, in framework order".into(),
            ));
        }
        Ok(CompositeIndex { framework, data })
    }

    /// Reads COINr-style `iData` and `iMeta` CSV files. If `iData` holds several years, the
    /// latest is used (see [`crate::index::panel::Panel`] for all years).
    ///
    /// # Errors
    /// Reading and validation errors (see [`crate::index::table`] and
    /// [`crate::index::framework`]).
    pub fn from_csv(
        idata: impl AsRef<Path>,
        imeta: impl AsRef<Path>,
    ) -> Result<CompositeIndex, IndexError> {
        let (meta, data) = super::table::read_tables(idata, imeta)?;
        let years = data.years();
        let data = if years.len() > 1 {
            data.year(*years.last().expect("years"))
        } else {
            data
        };
        CompositeIndex::new(meta.framework, data)
    }

    /// Builds the index with the given choices.
    ///
    /// # Errors
    /// Any stage's error, each naming the element at fault: unknown codes in the spec, a unit
    /// with no data left, a constant indicator before a range-based normalisation, a zero in a
    /// geometric mean, …
    pub fn build(&self, spec: &PipelineSpec) -> Result<Build, IndexError> {
        let fw = &self.framework;
        let data = &self.data;
        let codes = fw.indicator_codes();
        let stage = |name: &str, units: &[String], values: Vec<Vec<f64>>| Stage {
            name: name.to_string(),
            units: units.to_vec(),
            indicators: codes.clone(),
            values,
        };
        let rp = engine::resolve(fw, data, spec)?;
        let raw = stage("raw", &data.units, data.values.clone());
        let mut units = data.units.clone();
        let mut cur = data.values.clone();
        let mut groups: BTreeMap<String, Vec<Option<String>>> = data.groups.clone();
        let denominated = match &rp.denominate {
            None => None,
            Some(how) => {
                cur = denominate::apply(data, &cur, how);
                Some(stage("denominated", &units, cur.clone()))
            }
        };
        let mut imputed = None;
        let mut imputed_points = Vec::new();
        let mut screened = None;
        let mut screen_report = None;
        let mut do_impute =
            |cur: &mut Vec<Vec<f64>>,
             units: &[String],
             groups: &BTreeMap<String, Vec<Option<String>>>| {
                if let Some(m) = &rp.impute {
                    let g = m.group().map(|g| groups[g].as_slice());
                    let (y, filled) = engine::impute(cur, m, g);
                    imputed_points = filled
                        .into_iter()
                        .map(|(r, j)| ImputedPoint {
                            unit: units[r].clone(),
                            indicator: codes[j].clone(),
                            value: y[j][r],
                        })
                        .collect();
                    *cur = y;
                    imputed = Some(stage("imputed", units, cur.clone()));
                }
            };
        let mut do_screen = |cur: &mut Vec<Vec<f64>>,
                             units: &mut Vec<String>,
                             groups: &mut BTreeMap<String, Vec<Option<String>>>|
         -> Result<(), IndexError> {
            if let Some(s) = &spec.screen {
                let rep = screen::screen(cur, units, s)?;
                let keep = rep.kept_rows();
                *cur = cur
                    .iter()
                    .map(|c| keep.iter().map(|&r| c[r]).collect())
                    .collect();
                *units = keep.iter().map(|&r| units[r].clone()).collect();
                for g in groups.values_mut() {
                    *g = keep.iter().map(|&r| g[r].clone()).collect();
                }
                screened = Some(stage("screened", units, cur.clone()));
                screen_report = Some(rep);
            }
            Ok(())
        };
        if spec.screen_before_impute {
            do_screen(&mut cur, &mut units, &mut groups)?;
            do_impute(&mut cur, &units, &groups);
        } else {
            do_impute(&mut cur, &units, &groups);
            do_screen(&mut cur, &mut units, &mut groups)?;
        }
        if units.is_empty() {
            return Err(IndexError::bad("screen", "no unit passes the screening"));
        }
        engine::check_units(
            &cur,
            &units,
            if spec.screen.is_some() {
                " after screening"
            } else {
                ""
            },
        )?;

        let mut treatment = Vec::new();
        let treated = match &rp.treat {
            None => None,
            Some(params) => {
                let (y, rec) = engine::treat(fw, &cur, params)?;
                treatment = rec
                    .into_iter()
                    .enumerate()
                    .map(|(j, d)| IndicatorTreatment {
                        indicator: codes[j].clone(),
                        skipped: params[j].is_none(),
                        detail: d,
                    })
                    .collect();
                cur = y;
                Some(stage("treated", &units, cur.clone()))
            }
        };
        let norm = engine::normalise(fw, &cur, &rp.norms)?;
        let normalised = stage("normalised", &units, norm.clone());
        let all = aggregate::aggregate(
            fw,
            &norm,
            &units,
            &rp.weights,
            &rp.aggs,
            rp.min_availability,
        )?;
        let scores = Stage {
            name: "aggregated".into(),
            units: units.clone(),
            indicators: fw.codes(),
            values: all,
        };
        Ok(Build {
            framework: fw.clone(),
            spec: spec.clone(),
            weights: rp.weights.clone(),
            raw,
            denominated,
            imputed,
            imputed_points,
            screened,
            screen_report,
            treated,
            treatment,
            normalised,
            scores,
        })
    }
}

impl Build {
    /// A stage by name: `raw`, `denominated`, `imputed`, `screened`, `treated`, `normalised`,
    /// `aggregated`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        match name {
            "raw" => Some(&self.raw),
            "denominated" => self.denominated.as_ref(),
            "imputed" => self.imputed.as_ref(),
            "screened" => self.screened.as_ref(),
            "treated" => self.treated.as_ref(),
            "normalised" => Some(&self.normalised),
            "aggregated" => Some(&self.scores),
            _ => None,
        }
    }

    /// Units in the results (after screening).
    pub fn units(&self) -> &[String] {
        &self.scores.units
    }

    /// The row of a unit in the results.
    ///
    /// ```
    /// let b = innodex::index::CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv")
    ///     .unwrap()
    ///     .build(&innodex::index::PipelineSpec::default())
    ///     .unwrap();
    /// assert_eq!(b.units()[b.unit_row("DEU").unwrap()], "DEU");
    /// assert!(b.unit_row("XXX").unwrap_err().to_string().contains("XXX"));
    /// ```
    ///
    /// # Errors
    /// [`IndexError::Unknown`] for a unit that is not in the results (unknown or screened out).
    pub fn unit_row(&self, unit: &str) -> Result<usize, IndexError> {
        self.units()
            .iter()
            .position(|u| u == unit)
            .ok_or_else(|| IndexError::Unknown {
                kind: "unit",
                code: unit.to_string(),
            })
    }

    /// The scores of a node (indicator: normalised; aggregate: aggregated), one per unit.
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn score(&self, code: &str) -> Result<&[f64], IndexError> {
        let i = self.framework.require(code)?;
        Ok(&self.scores.values[i])
    }

    /// Ranks of a node (1 = best, ties share the best rank).
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn rank(&self, code: &str) -> Result<Vec<f64>, IndexError> {
        Ok(stats::rank_desc(self.score(code)?))
    }

    /// Units and scores of a node, best first (missing scores last).
    ///
    /// # Errors
    /// [`IndexError::Unknown`].
    pub fn ranking(&self, code: &str) -> Result<Vec<(String, f64)>, IndexError> {
        let s = self.score(code)?;
        let mut v: Vec<(String, f64)> = self
            .units()
            .iter()
            .cloned()
            .zip(s.iter().copied())
            .collect();
        v.sort_by(|a, b| match (a.1.is_nan(), b.1.is_nan()) {
            (false, false) => b.1.total_cmp(&a.1),
            (x, y) => x.cmp(&y),
        });
        Ok(v)
    }

    /// Every treated point, named.
    pub fn treated_points(&self) -> Vec<TreatedPointRecord> {
        let units = self
            .treated
            .as_ref()
            .map(|s| &s.units)
            .unwrap_or(&self.scores.units);
        let mut out = Vec::new();
        for t in &self.treatment {
            if let Some(d) = &t.detail {
                for p in &d.points {
                    out.push(TreatedPointRecord {
                        indicator: t.indicator.clone(),
                        unit: units[p.row].clone(),
                        before: p.before,
                        after: p.after,
                        how: p.how,
                    });
                }
            }
        }
        out
    }
}
