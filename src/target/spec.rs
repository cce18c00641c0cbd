//! The file form of a target (`[[targets]]` in a plan file) and its validation into a [`Target`].

use serde::{Deserialize, Serialize};

use super::*;

/// The flat file form of a [`Target`]: every field of every kind, checked on conversion.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Target id.
    pub id: String,
    /// Indicator id.
    pub indicator: String,
    /// Kind of target (`level`, `multiple_of_base`, …).
    pub kind: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Original words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    /// `level`: the level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `multiple_of_base`: the factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// `at_least_reference`: the reference indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `at_least_reference`: margin over the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// `yearly_flow`, `net_increase`: the yearly minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// `growth_floor`: the minimum rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rate: Option<f64>,
    /// `cumulative_flow`: the minimum total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_total: Option<f64>,
    /// Base year of the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_year: Option<i32>,
    /// Target year of level targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<i32>,
    /// First year of yearly targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i32>,
    /// Last year of yearly targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i32>,
    /// Relative tolerance ("about").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<f64>,
    /// Path for assessment (`compound` or `linear`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathKind>,
    /// `at_least_reference`: strictly above the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// How the plan's words are read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reading: String,
    /// The other reading, as a complete target table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<Box<Target>>,
}

impl TryFrom<TargetSpec> for Target {
    type Error = TargetError;

    fn try_from(s: TargetSpec) -> Result<Self, TargetError> {
        let f = Fields {
            id: &s.id,
            kind: &s.kind,
        };
        let bad = |field, value, problem| f.bad(field, value, problem);
        if s.id.trim().is_empty() {
            return Err(bad("id", format!("{:?}", s.id), "must not be empty"));
        }
        let (rule, allowed) = rule_of(&s, &f)?;
        let present: [(&'static str, bool); 12] = [
            ("value", s.value.is_some()),
            ("factor", s.factor.is_some()),
            ("reference", s.reference.is_some()),
            ("margin", s.margin.is_some()),
            ("min", s.min.is_some()),
            ("min_rate", s.min_rate.is_some()),
            ("min_total", s.min_total.is_some()),
            ("base_year", s.base_year.is_some()),
            ("by", s.by.is_some()),
            ("from", s.from.is_some()),
            ("to", s.to.is_some()),
            ("about", s.about.is_some()),
        ];
        for (field, is_set) in present {
            if is_set && !allowed.contains(&field) {
                return Err(TargetError::Unexpected {
                    target: s.id,
                    kind: s.kind,
                    field,
                });
            }
        }
        if s.strict.is_some() && s.kind != "at_least_reference" {
            return Err(TargetError::Unexpected {
                target: s.id,
                kind: s.kind,
                field: "strict",
            });
        }
        if let Some(alt) = &s.alternative
            && alt.alternative.is_some()
        {
            return Err(bad(
                "alternative",
                alt.id.clone(),
                "an alternative reading cannot have an alternative of its own",
            ));
        }
        if s.path.is_some() && !allowed.contains(&"path") {
            return Err(TargetError::Unexpected {
                target: s.id,
                kind: s.kind,
                field: "path",
            });
        }
        if let Some(a) = s.about
            && !(a.is_finite() && (0.0..1.0).contains(&a))
        {
            return Err(bad(
                "about",
                a.to_string(),
                "must be a relative tolerance in [0, 1)",
            ));
        }
        if let (Some(b), Some(by)) = (s.base_year, s.by)
            && by <= b
        {
            return Err(bad("by", by.to_string(), "must be after `base_year`"));
        }
        Ok(Target {
            id: s.id,
            indicator: s.indicator,
            name: s.name,
            quote: s.quote,
            rule,
            base_year: s.base_year,
            about: s.about,
            path: s.path.unwrap_or_default(),
            strict: s.strict.unwrap_or(false),
            reading: s.reading,
            alternative: s.alternative,
        })
    }
}

/// The rule of a target spec and the optional fields its kind accepts (anything else is an
/// error, so a typo such as `value` on a multiple_of_base target does not pass silently).
fn rule_of(s: &TargetSpec, f: &Fields<'_>) -> Result<(Rule, &'static [&'static str]), TargetError> {
    Ok(match s.kind.as_str() {
        "level" => (
            Rule::Level {
                value: f.finite("value", s.value)?,
                by: s.by.ok_or_else(|| f.missing("by"))?,
            },
            &["value", "by", "base_year", "about", "path"],
        ),
        "multiple_of_base" => {
            let factor = f.finite("factor", s.factor)?;
            if factor <= 0.0 {
                return Err(f.bad("factor", factor.to_string(), "must be positive"));
            }
            if s.base_year.is_none() {
                return Err(f.missing("base_year"));
            }
            (
                Rule::MultipleOfBase {
                    factor,
                    by: s.by.ok_or_else(|| f.missing("by"))?,
                },
                &["factor", "by", "base_year", "about", "path"],
            )
        }
        "at_least_reference" => (
            Rule::AtLeastReference {
                reference: s.reference.clone().ok_or_else(|| f.missing("reference"))?,
                by: s.by.ok_or_else(|| f.missing("by"))?,
                margin: match s.margin {
                    None => 0.0,
                    m => f.finite("margin", m)?,
                },
            },
            &["reference", "margin", "by", "base_year", "path"],
        ),
        "yearly_flow" | "net_increase" => {
            let min = f.finite("min", s.min)?;
            let (from, to) = f.year_range(s.from, s.to)?;
            let rule = if s.kind == "yearly_flow" {
                Rule::YearlyFlow { min, from, to }
            } else {
                Rule::NetIncrease { min, from, to }
            };
            (rule, &["min", "from", "to", "about"])
        }
        "growth_floor" => {
            let min_rate = f.finite("min_rate", s.min_rate)?;
            if min_rate <= -1.0 {
                return Err(f.bad("min_rate", min_rate.to_string(), "must be greater than -1"));
            }
            let (from, to) = f.year_range(s.from, s.to)?;
            (
                Rule::GrowthFloor { min_rate, from, to },
                &["min_rate", "from", "to"],
            )
        }
        "cumulative_flow" => {
            let min_total = f.finite("min_total", s.min_total)?;
            let (from, to) = f.year_range(s.from, s.to)?;
            (
                Rule::CumulativeFlow {
                    min_total,
                    from,
                    to,
                },
                &["min_total", "from", "to", "about"],
            )
        }
        _ => {
            return Err(TargetError::UnknownKind {
                target: s.id.clone(),
                kind: s.kind.clone(),
            });
        }
    })
}

/// The target a spec describes, for error messages about its fields.
struct Fields<'a> {
    id: &'a str,
    kind: &'a str,
}

impl Fields<'_> {
    fn missing(&self, field: &'static str) -> TargetError {
        TargetError::Missing {
            target: self.id.to_string(),
            kind: self.kind.to_string(),
            field,
        }
    }

    fn bad(&self, field: &'static str, value: String, problem: &'static str) -> TargetError {
        TargetError::BadValue {
            target: self.id.to_string(),
            field,
            value,
            problem,
        }
    }

    /// A required finite number.
    fn finite(&self, field: &'static str, v: Option<f64>) -> Result<f64, TargetError> {
        let v = v.ok_or_else(|| self.missing(field))?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.bad(field, v.to_string(), "must be finite"))
        }
    }

    /// A required `from`–`to` range of years, in order.
    fn year_range(&self, from: Option<i32>, to: Option<i32>) -> Result<(i32, i32), TargetError> {
        let from = from.ok_or_else(|| self.missing("from"))?;
        let to = to.ok_or_else(|| self.missing("to"))?;
        if to < from {
            return Err(self.bad("to", to.to_string(), "must not be before `from`"));
        }
        Ok((from, to))
    }
}

impl From<Target> for TargetSpec {
    fn from(t: Target) -> Self {
        let mut s = TargetSpec {
            id: t.id,
            indicator: t.indicator,
            kind: t.rule.kind_name().to_string(),
            name: t.name,
            quote: t.quote,
            base_year: t.base_year,
            about: t.about,
            strict: t.strict.then_some(true),
            reading: t.reading,
            alternative: t.alternative,
            ..TargetSpec::default()
        };
        match t.rule {
            Rule::Level { value, by } => {
                s.value = Some(value);
                s.by = Some(by);
            }
            Rule::MultipleOfBase { factor, by } => {
                s.factor = Some(factor);
                s.by = Some(by);
            }
            Rule::AtLeastReference {
                reference,
                by,
                margin,
            } => {
                s.reference = Some(reference);
                s.by = Some(by);
                s.margin = (margin != 0.0).then_some(margin);
            }
            Rule::YearlyFlow { min, from, to } | Rule::NetIncrease { min, from, to } => {
                s.min = Some(min);
                s.from = Some(from);
                s.to = Some(to);
            }
            Rule::GrowthFloor { min_rate, from, to } => {
                s.min_rate = Some(min_rate);
                s.from = Some(from);
                s.to = Some(to);
            }
            Rule::CumulativeFlow {
                min_total,
                from,
                to,
            } => {
                s.min_total = Some(min_total);
                s.from = Some(from);
                s.to = Some(to);
            }
        }
        if matches!(
            s.kind.as_str(),
            "level" | "multiple_of_base" | "at_least_reference"
        ) && t.path != PathKind::Compound
        {
            s.path = Some(t.path);
        }
        s
    }
}
