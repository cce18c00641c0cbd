//! The rebuilds of an uncertainty analysis: the analysis prepared once (nominal pipeline,
//! each input's resolved choices, the stages before treatment or a cache of the stages up to
//! normalisation per combination of choices), one rebuild per design point, and the
//! collection of their scores and failures in design order.

use std::sync::Arc;

use rand::RngExt;
use rayon::prelude::*;

use super::{CANCELLED, STREAM_WEIGHTS, UncertainInput, UncertaintySpec, rng_for};
use crate::exec::Progress;
use crate::index::aggregate;
use crate::index::error::IndexError;
use crate::index::framework::Framework;
use crate::index::impute::Imputation;
use crate::index::normalise::Normalisation;
use crate::index::pipeline::PipelineSpec;
use crate::index::pipeline::engine::{self, Resolved};
use crate::index::stats;
use crate::index::table::UnitData;
use crate::index::treat::{TreatParams, TreatSpec};

/// Rows kept, their unit codes and the normalised indicators.
pub(super) type Prefix = (Vec<usize>, Arc<[String]>, Vec<Vec<f64>>);

/// The stages before treatment (denomination, imputation, screening) as they come out.
struct BeforeTreatment {
    rows: Vec<usize>,
    units: Arc<[String]>,
    cols: Vec<Vec<f64>>,
    /// Each column's skewness and kurtosis, where treatment starts (most columns pass its
    /// check whatever the winsorisation limit, and are then left as they are).
    moments: Vec<(f64, f64)>,
}

/// The analysis, prepared once.
pub(super) struct Prepared<'a> {
    fw: &'a Framework,
    data: &'a UnitData,
    base: Resolved,
    pub(super) target: usize,
    inputs: &'a [UncertainInput],
    /// Per input, the size of the discrete choice (none for weights).
    dims: Vec<Option<usize>>,
    /// For the weight inputs: (input position, nodes perturbed, noise).
    weight_inputs: Vec<(usize, Vec<usize>, f64)>,
    seed: u64,
    pub(super) cache: Option<Vec<Result<Arc<Prefix>, String>>>,
    /// Positions of the prefix-affecting inputs (imputation, winsorisation, normalisation).
    prefix_inputs: Vec<usize>,
    /// The stages before treatment, run once when no input changes them (no imputation
    /// input): every rebuild would compute the same columns (loop-invariant work, not the
    /// stage cache; an error is every rebuild's).
    before_treatment: Option<Result<Arc<BeforeTreatment>, String>>,
    /// Per input, what each of its choices resolves to (treatment parameters per indicator
    /// for a winsorisation input, a method per indicator for a normalisation input): spec
    /// resolution, done once rather than in every rebuild.
    choices: Vec<Choices>,
}

/// The resolved alternatives of one uncertain input (see [`Prepared::choices`]).
enum Choices {
    Treat(Vec<Vec<Option<TreatParams>>>),
    Norms(Vec<Vec<Normalisation>>),
    Other,
}

fn choose(u: f64, n: usize) -> usize {
    ((u * n as f64) as usize).min(n - 1)
}

impl<'a> Prepared<'a> {
    /// The discrete choices affecting the stages up to normalisation, as a combination index.
    fn combo(&self, x: &[f64]) -> usize {
        let mut k = 0;
        for &i in &self.prefix_inputs {
            let n = self.dims[i].expect("discrete");
            k = k * n + choose(x[i], n);
        }
        k
    }

    fn combo_choices(&self, mut k: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for &i in self.prefix_inputs.iter().rev() {
            let n = self.dims[i].expect("discrete");
            out.push((i, k % n));
            k /= n;
        }
        out
    }

    /// Number of combinations of the prefix choices (saturating: only compared with the
    /// cache limit).
    pub(super) fn n_combos(&self) -> usize {
        self.prefix_inputs
            .iter()
            .map(|&i| self.dims[i].expect("discrete"))
            .fold(1usize, |a, b| a.saturating_mul(b))
    }

    fn resolved_prefix(&self, choices: &[(usize, usize)]) -> Result<Resolved, IndexError> {
        let mut r = self.base.clone();
        for &(i, c) in choices {
            match &self.inputs[i] {
                UncertainInput::Imputation { alternatives, .. } => {
                    let m = &alternatives[c];
                    r.impute = if *m == Imputation::None {
                        None
                    } else {
                        Some(m.clone())
                    };
                }
                _ => match &self.choices[i] {
                    Choices::Treat(t) => r.treat = Some(t[c].clone()),
                    Choices::Norms(n) => r.norms = n[c].clone(),
                    Choices::Other => {}
                },
            }
        }
        Ok(r)
    }

    /// The treatment and normalisation of `choices`, borrowed (for the rebuilds that start
    /// from the columns before treatment: no imputation choice).
    fn treat_and_norms(
        &self,
        choices: &[(usize, usize)],
    ) -> (Option<&[Option<TreatParams>]>, &[Normalisation]) {
        let mut treat = self.base.treat.as_deref();
        let mut norms = self.base.norms.as_slice();
        for &(i, c) in choices {
            match &self.choices[i] {
                Choices::Treat(t) => treat = Some(&t[c]),
                Choices::Norms(n) => norms = &n[c],
                Choices::Other => {}
            }
        }
        (treat, norms)
    }

    fn prefix(&self, x: &[f64]) -> Result<Arc<Prefix>, String> {
        if let Some(c) = &self.cache {
            // The cache exists only when the combinations number at most CACHE_LIMIT, so the
            // combination index cannot overflow.
            return c[self.combo(x)].clone();
        }
        let choices: Vec<(usize, usize)> = self
            .prefix_inputs
            .iter()
            .map(|&i| (i, choose(x[i], self.dims[i].expect("discrete"))))
            .collect();
        self.compute_prefix_for(&choices)
    }

    pub(super) fn compute_prefix(&self, k: usize) -> Result<Arc<Prefix>, String> {
        self.compute_prefix_for(&self.combo_choices(k))
    }

    fn compute_prefix_for(&self, choices: &[(usize, usize)]) -> Result<Arc<Prefix>, String> {
        let (fw, data) = (self.fw, self.data);
        let Some(before) = &self.before_treatment else {
            let r = self.resolved_prefix(choices).map_err(|e| e.to_string())?;
            let (rows, norm) = engine::prefix(fw, data, &r).map_err(|e| e.to_string())?;
            let units = rows.iter().map(|&k| data.units[k].clone()).collect();
            return Ok(Arc::new((rows, units, norm)));
        };
        // The same stages as `engine::prefix`, from the columns computed once.
        let before = before.as_ref().map_err(Clone::clone)?;
        let (treat, norms) = self.treat_and_norms(choices);
        let norm = match treat {
            Some(t) => {
                let treated = engine::treat_values_from(fw, &before.cols, &before.moments, t)
                    .map_err(|e| e.to_string())?;
                engine::normalise(fw, &treated, norms)
            }
            None => engine::normalise(fw, &before.cols, norms),
        }
        .map_err(|e| e.to_string())?;
        Ok(Arc::new((before.rows.clone(), before.units.clone(), norm)))
    }

    /// One rebuild: the target's scores for all units (missing if screened out).
    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, String> {
        let pre = self.prefix(x)?;
        let (rows, units, norm) = (&pre.0, &pre.1, &pre.2);
        let mut weights = self.base.weights.clone();
        for (i, nodes, noise) in &self.weight_inputs {
            let mut rng = rng_for(self.seed, STREAM_WEIGHTS + *i as u64, x[*i].to_bits());
            for &nd in nodes {
                let v: f64 = rng.random();
                weights[nd] *= 1.0 + noise * (2.0 * v - 1.0);
            }
        }
        let choice = self
            .inputs
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, inp)| match inp {
                UncertainInput::Aggregation { alternatives, .. } => {
                    Some(alternatives[choose(x[i], alternatives.len())].clone())
                }
                _ => None,
            });
        let aggs_owned;
        let aggs = match choice {
            Some(a) => {
                aggs_owned = vec![a; self.fw.nodes().len()];
                &aggs_owned
            }
            None => &self.base.aggs,
        };
        let n_ind = self.fw.n_indicators();
        let aggs = aggregate::aggregates(
            self.fw,
            norm,
            units,
            &weights,
            aggs,
            self.base.min_availability,
        )
        .map_err(|e| e.to_string())?;
        let col = if self.target < n_ind {
            &norm[self.target]
        } else {
            &aggs[self.target - n_ind]
        };
        let mut out = vec![f64::NAN; self.data.n_rows()];
        for (p, &k) in rows.iter().enumerate() {
            out[k] = col[p];
        }
        Ok(out)
    }
}

/// Every rebuild's scores (NaN for a failed rebuild) and the distinct failure messages (ten
/// at most).
pub(super) struct Rebuilds {
    pub(super) scores: Vec<Vec<f64>>,
    pub(super) failed: usize,
    pub(super) failures: Vec<String>,
}

pub(super) fn rebuild_all(
    prep: &Prepared<'_>,
    sample: &[Vec<f64>],
    progress: &Progress,
) -> Result<Rebuilds, IndexError> {
    progress.set_total(sample.len());
    let evals: Vec<Result<Vec<f64>, String>> = sample
        .par_iter()
        .map(|x| {
            if progress.is_cancelled() {
                return Err(CANCELLED.to_string());
            }
            let r = prep.eval(x);
            progress.advance(1);
            r
        })
        .collect();
    if progress.is_cancelled() {
        return Err(IndexError::bad("uncertainty", CANCELLED));
    }
    let n_units = prep.data.n_rows();
    let mut out = Rebuilds {
        scores: Vec::with_capacity(evals.len()),
        failed: 0,
        failures: Vec::new(),
    };
    for e in evals {
        match e {
            Ok(s) => out.scores.push(s),
            Err(msg) => {
                out.failed += 1;
                if out.failures.len() < 10 && !out.failures.contains(&msg) {
                    out.failures.push(msg);
                }
                out.scores.push(vec![f64::NAN; n_units]);
            }
        }
    }
    Ok(out)
}

/// What each choice of `input` resolves to: under a winsorisation limit, the nominal treatment
/// with that limit for every indicator (an indicator's own limit gives way); under a
/// normalisation, that method for every indicator.
fn choices_of(
    fw: &Framework,
    base_treat: &TreatSpec,
    input: &UncertainInput,
) -> Result<Choices, IndexError> {
    Ok(match input {
        UncertainInput::Winsorisation { winmax, .. } => Choices::Treat(
            winmax
                .iter()
                .map(|&w| {
                    let mut t = base_treat.clone();
                    t.winmax = w;
                    for o in t.indicators.values_mut() {
                        o.winmax = None;
                    }
                    engine::treatments(fw, &t)
                })
                .collect::<Result<_, _>>()?,
        ),
        UncertainInput::Normalisation { alternatives, .. } => Choices::Norms(
            alternatives
                .iter()
                .map(|a| vec![a.clone(); fw.n_indicators()])
                .collect(),
        ),
        _ => Choices::Other,
    })
}

impl<'a> Prepared<'a> {
    /// The nominal pipeline resolved once, and each input's alternatives checked.
    pub(super) fn new(
        fw: &'a Framework,
        data: &'a UnitData,
        base: &PipelineSpec,
        spec: &'a UncertaintySpec,
    ) -> Result<Prepared<'a>, IndexError> {
        let target = match &spec.target {
            Some(t) => fw.require(t)?,
            None => fw.root(),
        };
        let base_r = engine::resolve(fw, data, base)?;
        let mut dims = Vec::new();
        let mut weight_inputs = Vec::new();
        let mut prefix_inputs = Vec::new();
        for (i, inp) in spec.inputs.iter().enumerate() {
            let n = inp.n_alternatives();
            let what = || format!("uncertainty input `{}`", inp.name());
            if n == Some(0) {
                return Err(IndexError::bad(what(), "has no alternatives"));
            }
            match inp {
                UncertainInput::Weights { levels, noise, .. } => {
                    if !(0.0..1.0).contains(noise) {
                        return Err(IndexError::bad(
                            what(),
                            format!("noise {noise} is not in [0, 1)"),
                        ));
                    }
                    let mut nodes = Vec::new();
                    for &l in levels {
                        if l < 1 || l > fw.n_levels() {
                            return Err(IndexError::bad(
                                what(),
                                format!("level {l} is not in 1..={}", fw.n_levels()),
                            ));
                        }
                        nodes.extend(fw.at_level(l));
                    }
                    weight_inputs.push((i, nodes, *noise));
                }
                UncertainInput::Imputation { alternatives, .. } => {
                    for m in alternatives {
                        let mut probe = base.clone();
                        probe.impute = Some(m.clone());
                        engine::resolve(fw, data, &probe)?;
                    }
                    prefix_inputs.push(i);
                }
                UncertainInput::Winsorisation { .. } | UncertainInput::Normalisation { .. } => {
                    prefix_inputs.push(i)
                }
                UncertainInput::Aggregation { .. } => {}
            }
            dims.push(n);
        }
        let base_treat = base.treat.clone().unwrap_or_default();
        let choices = spec
            .inputs
            .iter()
            .map(|inp| choices_of(fw, &base_treat, inp))
            .collect::<Result<Vec<_>, _>>()?;
        let varies_imputation = spec
            .inputs
            .iter()
            .any(|i| matches!(i, UncertainInput::Imputation { .. }));
        let before_treatment = (!varies_imputation).then(|| {
            engine::imputed(data, &base_r)
                .map(|(rows, cols)| {
                    let units = rows.iter().map(|&k| data.units[k].clone()).collect();
                    let moments = cols.iter().map(|c| stats::skewness_kurtosis(c)).collect();
                    Arc::new(BeforeTreatment {
                        rows,
                        units,
                        cols,
                        moments,
                    })
                })
                .map_err(|e| e.to_string())
        });
        Ok(Prepared {
            fw,
            data,
            base: base_r,
            target,
            inputs: &spec.inputs,
            dims,
            weight_inputs,
            seed: spec.seed,
            cache: None,
            prefix_inputs,
            before_treatment,
            choices,
        })
    }

    /// The target's scores under the nominal pipeline (NaN for units it leaves out).
    pub(super) fn nominal_scores(&self) -> Result<Vec<f64>, IndexError> {
        let (fw, data) = (self.fw, self.data);
        let (rows, norm) = engine::prefix(fw, data, &self.base)?;
        let units: Vec<String> = rows.iter().map(|&k| data.units[k].clone()).collect();
        let all = aggregate::aggregate(
            fw,
            &norm,
            &units,
            &self.base.weights,
            &self.base.aggs,
            self.base.min_availability,
        )?;
        let mut out = vec![f64::NAN; data.n_rows()];
        for (p, &k) in rows.iter().enumerate() {
            out[k] = all[self.target][p];
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::CompositeIndex;
    use crate::index::uncertainty::SamplingDesign;

    #[test]
    fn stages_run_once_give_every_combination_the_full_pipeline_columns() {
        let idx = CompositeIndex::from_csv("data/ASEM_iData.csv", "data/ASEM_iMeta.csv").unwrap();
        let base = PipelineSpec::coinr_example();
        let spec = UncertaintySpec::coinr_vignette(10, 1, SamplingDesign::MonteCarlo);
        let prep = Prepared::new(&idx.framework, &idx.data, &base, &spec).unwrap();
        assert!(
            prep.before_treatment.is_some(),
            "the vignette varies no imputation"
        );
        let mut full = Prepared::new(&idx.framework, &idx.data, &base, &spec).unwrap();
        full.before_treatment = None;
        let bits = |p: &Prefix| {
            let cols: Vec<Vec<u64>> =
                p.2.iter()
                    .map(|c| c.iter().map(|v| v.to_bits()).collect())
                    .collect();
            (p.0.clone(), p.1.to_vec(), cols)
        };
        for k in 0..prep.n_combos() {
            let a = prep.compute_prefix(k).unwrap();
            let b = full.compute_prefix(k).unwrap();
            assert_eq!(bits(&a), bits(&b), "combination {k}");
        }
    }
}
