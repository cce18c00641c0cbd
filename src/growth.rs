//! Growth arithmetic: pure functions on a baseline, a target and explicit years.
//!
//! Every function takes the start and end years explicitly and uses n = `year1 − year0`
//! periods, so "from 2020 to 2025" is five years of growth, never six. Invalid inputs give a
//! [`GrowthError`], never `NaN` or an infinity.
//!
//! Formulas (standard compound-interest arithmetic):
//! - compound annual growth rate: g = (v₁ / v₀)^(1/n) − 1;
//! - required yearly increment: Δ = (v₁ − v₀) / n;
//! - years to target at rate g: t = ln(v₁ / v₀) / ln(1 + g);
//! - doubling time: ln 2 / ln(1 + g), and its "rule of 70" approximation 70 / (100 g);
//! - implied baseline: v₀ = v₁ / (1 + g)^n.
//!
//! ```
//! use innodex::growth::{required_cagr, required_increment, years_to_target};
//! let g = required_cagr(750.0, 1500.0, 2020, 2025).unwrap();
//! assert!((g - 0.148698355).abs() < 1e-9);
//! assert_eq!(required_increment(750.0, 1500.0, 2020, 2025).unwrap(), 150.0);
//! assert!((years_to_target(750.0, 1500.0, g).unwrap() - 5.0).abs() < 1e-9);
//! ```

use thiserror::Error;

/// Why a growth computation has no answer.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GrowthError {
    /// A value that must be strictly positive (a level used in a ratio or a logarithm) is not.
    #[error("{field} must be a positive finite number, got {value}")]
    NonPositive {
        /// The argument's name.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A value is NaN or infinite.
    #[error("{field} must be finite, got {value}")]
    NotFinite {
        /// The argument's name.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// The end year is not after the start year.
    #[error("end year {year1} must be after start year {year0}")]
    YearOrder {
        /// Start year.
        year0: i32,
        /// End year.
        year1: i32,
    },
    /// A growth rate at or below −100 % has no logarithm.
    #[error("rate must be greater than -1 (−100 %), got {rate}")]
    RateTooLow {
        /// The rate given.
        rate: f64,
    },
    /// The target cannot be reached at the given rate (wrong sign, or zero growth).
    #[error("target {target} is never reached from {baseline} at rate {rate}")]
    Unreachable {
        /// Starting level.
        baseline: f64,
        /// Target level.
        target: f64,
        /// Growth rate.
        rate: f64,
    },
}

fn positive(field: &'static str, value: f64) -> Result<f64, GrowthError> {
    if !value.is_finite() {
        Err(GrowthError::NotFinite { field, value })
    } else if value <= 0.0 {
        Err(GrowthError::NonPositive { field, value })
    } else {
        Ok(value)
    }
}

fn finite(field: &'static str, value: f64) -> Result<f64, GrowthError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(GrowthError::NotFinite { field, value })
    }
}

fn rate_ok(rate: f64) -> Result<f64, GrowthError> {
    finite("rate", rate)?;
    if rate <= -1.0 {
        return Err(GrowthError::RateTooLow { rate });
    }
    Ok(rate)
}

/// Number of yearly steps n = `year1 − year0`; an error unless `year1 > year0`.
///
/// ```
/// assert_eq!(innodex::growth::periods(2020, 2025).unwrap(), 5);
/// assert!(innodex::growth::periods(2025, 2025).is_err());
/// ```
pub fn periods(year0: i32, year1: i32) -> Result<u32, GrowthError> {
    if year1 <= year0 {
        return Err(GrowthError::YearOrder { year0, year1 });
    }
    Ok((year1 as i64 - year0 as i64) as u32)
}

/// Compound annual growth rate of an observed change from `v0` in `year0` to `v1` in `year1`.
///
/// # Errors
/// [`GrowthError::NonPositive`] for a non-positive level, [`GrowthError::YearOrder`] unless
/// `year1 > year0`.
///
/// ```
/// // Shandong R&D spending, 2020 → 2023 (100 million yuan).
/// let g = innodex::growth::cagr(1681.9, 2386.0, 2020, 2023).unwrap();
/// assert!((g - 0.12363).abs() < 1e-5);
/// ```
pub fn cagr(v0: f64, v1: f64, year0: i32, year1: i32) -> Result<f64, GrowthError> {
    let v0 = positive("v0 (start value)", v0)?;
    let v1 = positive("v1 (end value)", v1)?;
    Ok(compound_rate(v0, v1, periods(year0, year1)?.into()))
}

/// The compound yearly rate that takes `from` to `to` in `years` years, (to / from)^(1/years) − 1,
/// unchecked: the one formula behind [`cagr`], [`required_cagr`], the CAGR forecast, the
/// verdict's pace and the Monte Carlo growth targets (non-positive levels give NaN or ±∞).
///
/// ```
/// assert!((innodex::growth::compound_rate(750.0, 1500.0, 5.0) - (2f64.powf(0.2) - 1.0)).abs() < 1e-15);
/// ```
#[inline]
pub fn compound_rate(from: f64, to: f64, years: f64) -> f64 {
    (to / from).powf(1.0 / years) - 1.0
}

/// Compound yearly rate needed to go from `baseline` in `year0` to `target` in `year1`.
///
/// The same formula as [`cagr`], read forward: the growth a target demands.
///
/// ```
/// let g = innodex::growth::required_cagr(750.0, 1500.0, 2020, 2025).unwrap();
/// assert!((g - (2f64.powf(0.2) - 1.0)).abs() < 1e-15);
/// ```
///
/// # Errors
/// As [`cagr`]: `baseline` and `target` must be positive, `year1 > year0`.
pub fn required_cagr(
    baseline: f64,
    target: f64,
    year0: i32,
    year1: i32,
) -> Result<f64, GrowthError> {
    let b = positive("baseline", baseline)?;
    let t = positive("target", target)?;
    Ok(compound_rate(b, t, periods(year0, year1)?.into()))
}

/// Equal yearly increment needed to go from `baseline` to `target` between the two years.
///
/// Levels may be zero or negative here (a linear path needs no logarithm); they must be finite.
///
/// ```
/// assert_eq!(innodex::growth::required_increment(750.0, 1500.0, 2020, 2025).unwrap(), 150.0);
/// ```
///
/// # Errors
/// [`GrowthError::NotFinite`] or [`GrowthError::YearOrder`].
pub fn required_increment(
    baseline: f64,
    target: f64,
    year0: i32,
    year1: i32,
) -> Result<f64, GrowthError> {
    let b = finite("baseline", baseline)?;
    let t = finite("target", target)?;
    let n = periods(year0, year1)?;
    Ok((t - b) / n as f64)
}

/// Years needed to go from `baseline` to `target` growing at `rate` a year (fractional years):
/// ln(target / baseline) / ln(1 + rate).
///
/// The target is read as plans read it, a level to reach:
/// - a start that already meets the target while the series does not fall (`baseline ≥
///   target`, `rate ≥ 0`) takes **0 years**: Finland's R&D intensity of 3.5 % against a 3 %
///   goal, rising, has met it;
/// - a falling series (`rate < 0`) that starts above the target — a floor — reaches it after
///   ln(target / baseline) / ln(1 + rate) years, a positive number: the years left before it
///   drops to the floor (3.5 falling 5 % a year reaches 3.0 after 3.005 years);
/// - a series below its target that does not rise (`rate ≤ 0`) never reaches it: an error.
///
/// ```
/// use innodex::growth::years_to_target;
/// let t = years_to_target(750.0, 1500.0, 0.148698354997035).unwrap();
/// assert!((t - 5.0).abs() < 1e-9);
/// assert_eq!(years_to_target(3.5, 3.0, 0.02).unwrap(), 0.0); // already met
/// let floor = years_to_target(3.5, 3.0, -0.05).unwrap();      // falls to the floor
/// assert!((floor - (3.0f64 / 3.5).ln() / (0.95f64).ln()).abs() < 1e-12);
/// assert!(years_to_target(3.0, 3.5, -0.05).is_err());         // never reached
/// ```
///
/// # Errors
/// Non-positive levels, a rate ≤ −1, or a series below its target whose rate is ≤ 0
/// ([`GrowthError::Unreachable`]).
pub fn years_to_target(baseline: f64, target: f64, rate: f64) -> Result<f64, GrowthError> {
    let b = positive("baseline", baseline)?;
    let t = positive("target", target)?;
    let r = rate_ok(rate)?;
    if t == b || (b > t && r >= 0.0) {
        return Ok(0.0);
    }
    let needed = (t / b).ln();
    let per_year = r.ln_1p();
    if per_year == 0.0 || needed.signum() != per_year.signum() {
        return Err(GrowthError::Unreachable {
            baseline,
            target,
            rate,
        });
    }
    Ok(needed / per_year)
}

/// Exact doubling time in years at a yearly growth `rate`: ln 2 / ln(1 + rate).
///
/// ```
/// let t = innodex::growth::doubling_time(0.1487).unwrap();
/// assert!((t - 5.0).abs() < 1e-3);
/// ```
///
/// # Errors
/// [`GrowthError::Unreachable`] for a rate ≤ 0 (nothing doubles), non-finite rates.
pub fn doubling_time(rate: f64) -> Result<f64, GrowthError> {
    years_to_target(1.0, 2.0, rate)
}

/// The "rule of 70" approximation of the doubling time: 70 / (100 · rate).
///
/// It comes from ln 2 ≈ 0.693 and ln(1 + g) ≈ g for small g, so it understates the exact
/// doubling time ([`doubling_time`]) less and less as the rate falls.
///
/// ```
/// let t = innodex::growth::rule_of_70(0.07).unwrap();
/// assert!((t - 10.0).abs() < 1e-12);
/// ```
///
/// # Errors
/// As [`doubling_time`].
pub fn rule_of_70(rate: f64) -> Result<f64, GrowthError> {
    let r = rate_ok(rate)?;
    if r <= 0.0 {
        return Err(GrowthError::Unreachable {
            baseline: 1.0,
            target: 2.0,
            rate,
        });
    }
    Ok(70.0 / (100.0 * r))
}

/// The baseline in `year0` implied by reaching `target` in `year1` at a yearly `rate`.
///
/// ```
/// let b = innodex::growth::implied_baseline(1500.0, 2f64.powf(0.2) - 1.0, 2020, 2025).unwrap();
/// assert!((b - 750.0).abs() < 1e-9);
/// ```
///
/// # Errors
/// A non-positive target, a rate ≤ −1, or `year1 ≤ year0`.
pub fn implied_baseline(
    target: f64,
    rate: f64,
    year0: i32,
    year1: i32,
) -> Result<f64, GrowthError> {
    let t = positive("target", target)?;
    let r = rate_ok(rate)?;
    let n = periods(year0, year1)?;
    Ok(t / (1.0 + r).powi(n as i32))
}

/// The compound path from `baseline` in `year0` to `year1` at `rate`: one (year, value) per year,
/// both ends included. The last value is computed as `baseline · (1 + rate)^n` exactly.
///
/// ```
/// let p = innodex::growth::compound_path(750.0, 2f64.powf(0.2) - 1.0, 2020, 2025).unwrap();
/// assert_eq!(p.len(), 6);
/// assert!((p[5].1 - 1500.0).abs() < 1e-9);
/// ```
///
/// # Errors
/// A non-finite baseline, a rate ≤ −1, or `year1 ≤ year0`.
pub fn compound_path(
    baseline: f64,
    rate: f64,
    year0: i32,
    year1: i32,
) -> Result<Vec<(i32, f64)>, GrowthError> {
    let b = finite("baseline", baseline)?;
    let r = rate_ok(rate)?;
    let n = periods(year0, year1)?;
    Ok((0..=n)
        .map(|k| (year0 + k as i32, b * (1.0 + r).powi(k as i32)))
        .collect())
}

/// The linear path from `baseline` in `year0` adding `increment` each year up to `year1`.
///
/// ```
/// let p = innodex::growth::linear_path(750.0, 150.0, 2020, 2025).unwrap();
/// assert_eq!(p[3], (2023, 1200.0));
/// ```
///
/// # Errors
/// Non-finite inputs or `year1 ≤ year0`.
pub fn linear_path(
    baseline: f64,
    increment: f64,
    year0: i32,
    year1: i32,
) -> Result<Vec<(i32, f64)>, GrowthError> {
    let b = finite("baseline", baseline)?;
    let d = finite("increment", increment)?;
    let n = periods(year0, year1)?;
    Ok((0..=n)
        .map(|k| (year0 + k as i32, b + d * k as f64))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_not_nan() {
        assert!(matches!(
            required_cagr(-750.0, 1500.0, 2020, 2025),
            Err(GrowthError::NonPositive {
                field: "baseline",
                ..
            })
        ));
        assert!(matches!(
            required_cagr(750.0, 1500.0, 2025, 2020),
            Err(GrowthError::YearOrder { .. })
        ));
        assert!(matches!(
            years_to_target(750.0, 1500.0, -0.1),
            Err(GrowthError::Unreachable { .. })
        ));
        assert!(matches!(
            doubling_time(0.0),
            Err(GrowthError::Unreachable { .. })
        ));
        assert!(matches!(
            doubling_time(-1.5),
            Err(GrowthError::RateTooLow { .. })
        ));
        assert!(matches!(
            cagr(f64::NAN, 1.0, 2020, 2021),
            Err(GrowthError::NotFinite { .. })
        ));
    }

    #[test]
    fn declining_targets_work_with_negative_rates() {
        let g = required_cagr(100.0, 81.0, 2020, 2022).unwrap();
        assert!((g + 0.1).abs() < 1e-12);
        assert!((years_to_target(100.0, 81.0, -0.1).unwrap() - 2.0).abs() < 1e-12);
    }
}
