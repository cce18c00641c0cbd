//! Distributions of yearly growth rates, increments and shocks, and their samplers.
//!
//! In files a distribution is either a number (a fixed value) or a table with a `dist` key:
//!
//! | `dist` | fields | draws |
//! |---|---|---|
//! | *(a number)* | | that value |
//! | `normal` | `mean`, `sd` | mean + sd · Z |
//! | `truncated_normal` | `mean`, `sd`, `min`, `max` | N(mean, sd²) restricted to [min, max] (drawn through its quantile function) |
//! | `lognormal` | `mu`, `sigma` | for a growth **rate** g: 1 + g = e^(mu + sigma · Z), i.e. the growth factor is log-normal; for any other quantity the quantity itself is e^(mu + sigma · Z) |
//! | `uniform` | `min`, `max` | uniform on [min, max] |
//! | `triangular` | `min`, `mode`, `max` | triangular |
//! | `pert` | `min`, `mode`, `max`, optional `lambda` (4) | min + (max − min) · Beta(1 + λ(mode − min)/(max − min), 1 + λ(max − mode)/(max − min)) (beta-PERT, Vose 2008) |
//! | `empirical` | `values` | one of the values, equally likely |
//! | `bootstrap` | optional `from`, `to` | one of the indicator's own historical yearly changes (resolved by the scenario from the observations in `from..=to`) |
//!
//! Z is a standard normal draw (statrs' ziggurat sampler). A spread of zero is allowed (the
//! draw is then fixed); a negative spread is an error.
//!
//! The type is [`crate::stats::Distribution`], the one distribution type of the crate; this
//! module adds what drawing needs: [`Role`], the checks of [`Distribution::validate_as_draw`]
//! and the samplers.

use rand::{Rng, RngExt};
use statrs::distribution::Beta;

use super::ProjectionError;
use super::fit::normal_cdf;
use super::stream::{ChunkStream, fill_words};
use crate::stats::Distribution;
use crate::stats::distribution::truncation_mass;

/// What a drawn quantity is: it fixes the meaning of `lognormal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A growth rate g: `lognormal` describes 1 + g.
    Rate,
    /// Anything else (an increment, a logit slope, a shock).
    Plain,
}

impl Distribution {
    /// Checks the parameters of a distribution to draw from (a spread of zero allowed).
    ///
    /// ```
    /// use innodex::stats::Distribution;
    /// use innodex::projection::ProjectionError;
    /// let e = Distribution::normal(0.1, -0.02).validate_as_draw("hte_count rate").unwrap_err();
    /// assert!(matches!(e, ProjectionError::NegativeSpread { .. }));
    /// assert!(Distribution::normal(0.1, 0.0).validate_as_draw("fixed").is_ok());
    /// ```
    ///
    /// # Errors
    /// [`ProjectionError::NegativeSpread`] for sd < 0, sigma < 0 or max < min;
    /// [`ProjectionError::InvalidParameter`] for non-finite values, a mode outside [min, max],
    /// λ ≤ 0, a truncation interval of zero probability, an empty list of values or an
    /// unresolved `bootstrap`.
    pub fn validate_as_draw(&self, what: &str) -> Result<(), ProjectionError> {
        let invalid = |name: &str, value: f64, problem: &'static str| {
            Err(ProjectionError::InvalidParameter {
                what: format!("{what}: {name}"),
                value,
                problem,
            })
        };
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                invalid(name, v, "must be finite")
            }
        };
        let spread = |name: &str, v: f64| {
            if v < 0.0 {
                Err(ProjectionError::NegativeSpread {
                    what: format!("{what}: {name}"),
                    value: v,
                })
            } else {
                Ok(())
            }
        };
        let range = |min: f64, max: f64, mode: Option<f64>| {
            finite("min", min)?;
            finite("max", max)?;
            spread("max − min", max - min)?;
            if let Some(m) = mode {
                finite("mode", m)?;
                if m < min || m > max {
                    return invalid("mode", m, "must lie in [min, max]");
                }
            }
            Ok(())
        };
        match self {
            Distribution::Fixed { value } => finite("value", *value),
            Distribution::Normal { mean, sd } => {
                finite("mean", *mean)?;
                finite("sd", *sd)?;
                spread("sd", *sd)
            }
            Distribution::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => {
                finite("mean", *mean)?;
                finite("sd", *sd)?;
                spread("sd", *sd)?;
                range(*lower, *upper, None)?;
                if *sd == 0.0 && !(lower..=upper).contains(&mean) {
                    return invalid("mean", *mean, "must lie in [min, max] when sd is 0");
                }
                if *sd > 0.0 && lower < upper && truncation_mass(*mean, *sd, *lower, *upper) <= 0.0
                {
                    return invalid(
                        "min",
                        *lower,
                        "leaves a truncation interval of zero probability",
                    );
                }
                Ok(())
            }
            Distribution::LogNormal { mu, sigma } => {
                finite("mu", *mu)?;
                finite("sigma", *sigma)?;
                spread("sigma", *sigma)
            }
            Distribution::Uniform { lower, upper } => range(*lower, *upper, None),
            Distribution::Triangular { lower, mode, upper } => range(*lower, *upper, Some(*mode)),
            Distribution::Pert {
                lower,
                mode,
                upper,
                lambda,
            } => {
                range(*lower, *upper, Some(*mode))?;
                if !(lambda.is_finite() && *lambda > 0.0) {
                    return invalid("lambda", *lambda, "must be positive");
                }
                Ok(())
            }
            Distribution::Empirical { values } => {
                if values.is_empty() {
                    return invalid(
                        "values",
                        0.0,
                        "an empirical distribution needs at least one value",
                    );
                }
                values.iter().try_for_each(|v| finite("values", *v))
            }
            Distribution::Bootstrap { .. } => invalid(
                "bootstrap",
                f64::NAN,
                "a bootstrap must be resolved from an indicator's history (use it in a scenario)",
            ),
        }
    }

    /// The mean of the drawn quantity (in its role), where it has a closed form (NaN for a
    /// truncated normal and an unresolved bootstrap).
    pub fn mean(&self, role: Role) -> f64 {
        match self {
            Distribution::Fixed { value } => *value,
            Distribution::Normal { mean, .. } => *mean,
            Distribution::LogNormal { mu, sigma } => {
                let m = (mu + sigma * sigma / 2.0).exp();
                if role == Role::Rate { m - 1.0 } else { m }
            }
            Distribution::Uniform { lower, upper } => (lower + upper) / 2.0,
            Distribution::Triangular { lower, mode, upper } => (lower + mode + upper) / 3.0,
            Distribution::Pert {
                lower,
                mode,
                upper,
                lambda,
            } => (lower + lambda * mode + upper) / (lambda + 2.0),
            Distribution::Empirical { values } => values.iter().sum::<f64>() / values.len() as f64,
            Distribution::TruncatedNormal { .. } | Distribution::Bootstrap { .. } => f64::NAN,
        }
    }
}

/// A validated distribution ready to draw.
#[derive(Debug, Clone)]
pub(crate) enum Sampler {
    Fixed(f64),
    Normal {
        mean: f64,
        sd: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
        shift: f64,
    },
    Uniform {
        min: f64,
        width: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Pert {
        min: f64,
        width: f64,
        beta: Beta,
    },
    Empirical(Vec<f64>),
    /// Any other distribution, drawn through its quantile function.
    Quantile(Distribution),
}

impl Sampler {
    pub(crate) fn new(
        d: &Distribution,
        role: Role,
        what: &str,
    ) -> Result<Sampler, ProjectionError> {
        d.validate_as_draw(what)?;
        if let Some(v) = d.fixed_value() {
            // For a rate, `lognormal` describes 1 + g.
            let shift = matches!(d, Distribution::LogNormal { .. }) && role == Role::Rate;
            return Ok(Sampler::Fixed(if shift { v - 1.0 } else { v }));
        }
        Ok(match d {
            Distribution::Normal { mean, sd } => Sampler::Normal {
                mean: *mean,
                sd: *sd,
            },
            Distribution::LogNormal { mu, sigma } => Sampler::LogNormal {
                mu: *mu,
                sigma: *sigma,
                shift: if role == Role::Rate { -1.0 } else { 0.0 },
            },
            Distribution::Uniform { lower, upper } => Sampler::Uniform {
                min: *lower,
                width: upper - lower,
            },
            Distribution::Triangular { lower, mode, upper } => Sampler::Triangular {
                min: *lower,
                mode: *mode,
                max: *upper,
            },
            Distribution::Pert {
                lower,
                upper,
                lambda,
                ..
            } => {
                let invalid = || ProjectionError::InvalidParameter {
                    what: format!("{what}: pert"),
                    value: lambda.to_owned(),
                    problem: "gives invalid beta shapes",
                };
                let (a, b) = d.pert_shapes().ok_or_else(invalid)?;
                Sampler::Pert {
                    min: *lower,
                    width: upper - lower,
                    beta: Beta::new(a, b).map_err(|_| invalid())?,
                }
            }
            Distribution::Empirical { values } => {
                let mut v = values.clone();
                v.sort_by(f64::total_cmp);
                Sampler::Empirical(v)
            }
            Distribution::TruncatedNormal { .. } => Sampler::Quantile(d.clone()),
            Distribution::Fixed { .. } | Distribution::Bootstrap { .. } => {
                unreachable!("handled above")
            }
        })
    }

    /// One independent draw.
    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Normal { mean, sd } => mean + sd * std_normal(rng),
            Sampler::LogNormal { mu, sigma, shift } => shift + (mu + sigma * std_normal(rng)).exp(),
            Sampler::Uniform { min, width } => min + width * rng.random::<f64>(),
            Sampler::Triangular { .. } => self.inv_cdf(rng.random::<f64>()),
            Sampler::Pert { min, width, beta } => {
                min + width * rand::distr::Distribution::<f64>::sample(beta, rng)
            }
            Sampler::Empirical(v) => v[rng.random_range(0..v.len())],
            Sampler::Quantile(d) => d.quantile(rng.random::<f64>()),
        }
    }

    /// Fills `out` with independent draws (`bits` is scratch space).
    // Always inlined, as is `fill_normal`, into the multiversioned chunk function.
    #[inline(always)]
    pub(crate) fn fill(&self, rng: &mut ChunkStream, out: &mut [f64], bits: &mut Vec<u64>) {
        match self {
            Sampler::Fixed(v) => out.fill(*v),
            Sampler::Normal { mean, sd } => fill_normal(rng, out, bits, *mean, *sd),
            Sampler::LogNormal { mu, sigma, shift } => {
                fill_std_normal(rng, out, bits);
                for o in out.iter_mut() {
                    *o = shift + (mu + sigma * *o).exp();
                }
            }
            _ => {
                for o in out.iter_mut() {
                    *o = self.sample(rng);
                }
            }
        }
    }

    /// The draw whose standard normal score is `z` (the Gaussian copula used for correlated
    /// inputs): exact for normal and log-normal margins, F⁻¹(Φ(z)) for the others.
    #[inline]
    pub(crate) fn at_normal_score(&self, z: f64) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Normal { mean, sd } => mean + sd * z,
            Sampler::LogNormal { mu, sigma, shift } => shift + (mu + sigma * z).exp(),
            _ => self.inv_cdf(normal_cdf(z)),
        }
    }

    /// The quantile function at u ∈ [0, 1).
    fn inv_cdf(&self, u: f64) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Normal { mean, sd } => mean + sd * super::fit::normal_quantile(u),
            Sampler::LogNormal { mu, sigma, shift } => {
                shift + (mu + sigma * super::fit::normal_quantile(u)).exp()
            }
            Sampler::Uniform { min, width } => min + width * u,
            Sampler::Triangular { min, mode, max } => {
                let w = max - min;
                let c = (mode - min) / w;
                if u < c {
                    min + (u * w * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * w * (max - mode)).sqrt()
                }
            }
            Sampler::Pert { min, width, beta } => {
                min + width * crate::stats::beta_quantile(beta, u)
            }
            Sampler::Empirical(v) => {
                let i = ((u * v.len() as f64) as usize).min(v.len() - 1);
                v[i]
            }
            Sampler::Quantile(d) => d.quantile(u),
        }
    }
}

/// The 256-layer ziggurat of the standard normal (Marsaglia and Tsang 2000, "The ziggurat
/// method for generating random variables", J. Stat. Software 5(8); the symmetric ZIGNOR form of
/// Doornik 2005): layer edges x₀ … x₂₅₆, the density at them, and wᵢ = xᵢ · 2⁻⁵² (the step
/// from a signed 53-bit integer to a point of layer i).
struct Zig {
    x: [f64; 257],
    f: [f64; 257],
    w: [f64; 256],
}

const ZIG_R: f64 = 3.654_152_885_361_009;
const ZIG_V: f64 = 0.004_928_673_233_99;

fn zig() -> &'static Zig {
    static Z: std::sync::OnceLock<Zig> = std::sync::OnceLock::new();
    Z.get_or_init(|| {
        let pdf = |x: f64| (-0.5 * x * x).exp();
        let mut x = [0.0; 257];
        x[0] = ZIG_V / pdf(ZIG_R);
        x[1] = ZIG_R;
        for i in 2..256 {
            x[i] = (-2.0 * (ZIG_V / x[i - 1] + pdf(x[i - 1])).ln()).sqrt();
        }
        x[256] = 0.0;
        let mut f = [0.0; 257];
        for i in 0..257 {
            f[i] = pdf(x[i]);
        }
        // Scaling by a power of two is exact: v · wᵢ is u · xᵢ rounded once, u = v · 2⁻⁵².
        let w = std::array::from_fn(|i| x[i] * f64::powi(2.0, -52));
        Zig { x, f, w }
    })
}

/// One ziggurat draw from 64 random bits, flagged `false` when it falls outside its layer's
/// rectangle core (about 1.2 % of draws), which [`zig_slow`] then settles. The layer is the low
/// 8 bits; the top 53, read as a signed integer v, give u = v · 2⁻⁵², uniform on [−1, 1), and the
/// point x = u · xᵢ = v · wᵢ (one multiplication: this loop is a Monte Carlo path's hottest).
#[inline(always)]
fn zig_fast(z: &Zig, b: u64) -> (f64, usize, bool) {
    let i = (b & 0xff) as usize;
    let x = ((b as i64) >> 11) as f64 * z.w[i];
    (x, i, x.abs() < z.x[i + 1])
}

#[cold]
fn zig_slow<R: Rng + ?Sized>(rng: &mut R, z: &Zig, mut x: f64, mut i: usize) -> f64 {
    loop {
        if i == 0 {
            // The tail beyond R (Marsaglia 1964).
            let mut xt;
            loop {
                let a: f64 = rng.random::<f64>();
                let c: f64 = rng.random::<f64>();
                xt = -(1.0 - a).ln() / ZIG_R;
                let y = -(1.0 - c).ln();
                if 2.0 * y >= xt * xt {
                    break;
                }
            }
            // x has the sign of u (x₀ > 0).
            return if x < 0.0 { -(ZIG_R + xt) } else { ZIG_R + xt };
        }
        if z.f[i + 1] + (z.f[i] - z.f[i + 1]) * rng.random::<f64>() < (-0.5 * x * x).exp() {
            return x;
        }
        let (nx, ni, ok) = zig_fast(z, rng.random::<u64>());
        if ok {
            return nx;
        }
        (x, i) = (nx, ni);
    }
}

/// Fills `out` with standard normal draws: 64 bits per draw generated in bulk by the chunk's
/// stream (whole vectorised blocks, [`fill_words`]), one ziggurat step each, the rare
/// rejections settled from the same stream.
#[inline(always)]
pub(crate) fn fill_std_normal(rng: &mut ChunkStream, out: &mut [f64], bits: &mut Vec<u64>) {
    fill_normal(rng, out, bits, 0.0, 1.0);
}

/// [`fill_std_normal`] scaled to N(`mean`, `sd`²) in the same pass (one pass fewer over the
/// buffer than drawing and then scaling).
#[inline(always)]
pub(crate) fn fill_normal(
    rng: &mut ChunkStream,
    out: &mut [f64],
    bits: &mut Vec<u64>,
    mean: f64,
    sd: f64,
) {
    let z = zig();
    bits.resize(out.len(), 0);
    fill_words(rng, bits);
    for (o, &b) in out.iter_mut().zip(bits.iter()) {
        let (x, i, ok) = zig_fast(z, b);
        let x = if ok { x } else { zig_slow(rng, z, x, i) };
        *o = mean + sd * x;
    }
}

/// A standard normal draw (statrs' ziggurat).
#[inline]
pub(crate) fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rand::distr::Distribution::<f64>::sample(&statrs::distribution::Normal::standard(), rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn numbers_and_tables_parse() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct W {
            a: Distribution,
            b: Distribution,
            c: Distribution,
        }
        let w: W = toml::from_str(
            "a = 0.1\nb = 2\nc = { dist = \"pert\", min = 0.0, mode = 0.1, max = 0.3 }",
        )
        .unwrap();
        assert_eq!(w.a, Distribution::Fixed { value: 0.1 });
        assert_eq!(w.b, Distribution::Fixed { value: 2.0 });
        assert_eq!(
            w.c,
            Distribution::Pert {
                lower: 0.0,
                mode: 0.1,
                upper: 0.3,
                lambda: 4.0
            }
        );
        let t: W = toml::from_str(
            "a = 0\nb = 0\nc = { dist = \"truncated_normal\", mean = 0.1, sd = 0.05, min = 0.0, max = 0.2 }",
        )
        .unwrap();
        assert_eq!(
            t.c,
            Distribution::TruncatedNormal {
                mean: 0.1,
                sd: 0.05,
                lower: 0.0,
                upper: 0.2
            }
        );
        let bad: Result<W, _> =
            toml::from_str("a = 0.1\nb = 2\nc = { dist = \"normal\", mean = 0.1, sdd = 0.3 }");
        assert!(bad.unwrap_err().to_string().contains("sdd"));
    }

    #[test]
    fn bulk_ziggurat_draws_are_standard_normal() {
        let mut rng = crate::projection::stream::chunk_stream(1, 0);
        let n = 1_000_000;
        let mut v = vec![0.0; n];
        fill_std_normal(&mut rng, &mut v, &mut vec![]);
        let m = v.iter().sum::<f64>() / n as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
        // Mean within 4 SE (1/√n); variance within 4 SE (√(2/n)).
        assert!(m.abs() < 4.0 / (n as f64).sqrt(), "{m}");
        assert!((var - 1.0).abs() < 4.0 * (2.0 / n as f64).sqrt(), "{var}");
        // Kolmogorov–Smirnov distance against Φ: the 0.1 % critical value is 1.95/√n.
        v.sort_by(f64::total_cmp);
        let d = v
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let c = super::super::fit::normal_cdf(x);
                (c - k as f64 / n as f64)
                    .abs()
                    .max(((k + 1) as f64 / n as f64 - c).abs())
            })
            .fold(0.0, f64::max);
        assert!(d < 1.95 / (n as f64).sqrt(), "KS distance {d}");
        // Both tails beyond R = 3.654 are drawn: P(Z > R) = P(Z < −R) = 1 − Φ(R) ≈ 1.29e-4
        // (the tail's sign comes from the same bits as the point's).
        let p_tail = 1.0 - super::super::fit::normal_cdf(ZIG_R);
        for (side, tail) in [
            ("upper", v.iter().filter(|&&x| x > ZIG_R).count()),
            ("lower", v.iter().filter(|&&x| x < -ZIG_R).count()),
        ] {
            let tail = tail as f64 / n as f64;
            assert!(
                (tail - p_tail).abs() < 4.0 * (p_tail / n as f64).sqrt(),
                "{side} tail {tail} against {p_tail}"
            );
        }
    }

    #[test]
    fn degenerate_truncated_normals_are_fixed_or_refused() {
        let tn = |mean, sd, lower, upper| Distribution::TruncatedNormal {
            mean,
            sd,
            lower,
            upper,
        };
        let fixed = |d: &Distribution| match Sampler::new(d, Role::Plain, "x").unwrap() {
            Sampler::Fixed(v) => v,
            s => panic!("{s:?} is not fixed"),
        };
        // sd 0 inside the interval: the mean; equal ends: that end.
        assert_eq!(fixed(&tn(0.05, 0.0, 0.0, 0.1)), 0.05);
        assert_eq!(fixed(&tn(0.5, 1.0, 0.2, 0.2)), 0.2);
        // sd 0 outside the interval, or an interval of no probability: refused, naming why.
        for (d, why) in [
            (tn(0.5, 0.0, 0.0, 0.1), "when sd is 0"),
            (tn(0.0, 1.0, 40.0, 41.0), "zero probability"),
        ] {
            let e = d.validate_as_draw("rate").unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
        }
        // A drawn truncated normal stays inside its interval.
        let s = Sampler::new(&tn(0.1, 0.5, 0.0, 0.2), Role::Rate, "x").unwrap();
        let mut rng = crate::projection::stream::chunk_stream(3, 0);
        assert!(
            (0..1000)
                .map(|_| s.sample(&mut rng))
                .all(|v| (0.0..=0.2).contains(&v))
        );
    }

    #[test]
    fn triangular_quantile_function_is_exact() {
        // min 0, mode 1, max 2: F(1) = 0.5, F⁻¹(0.125) = 0.5.
        let s = Sampler::new(
            &Distribution::Triangular {
                lower: 0.0,
                mode: 1.0,
                upper: 2.0,
            },
            Role::Plain,
            "t",
        )
        .unwrap();
        assert!((s.inv_cdf(0.5) - 1.0).abs() < 1e-15);
        assert!((s.inv_cdf(0.125) - 0.5).abs() < 1e-15);
        assert!((s.inv_cdf(0.875) - 1.5).abs() < 1e-15);
    }
}
