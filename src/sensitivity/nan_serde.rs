//! Serde helpers that keep NaN and infinities (JSON has no literal for them): non-finite
//! numbers are written as the strings "NaN", "inf" and "-inf" and read back exactly, so results
//! with NaN (e.g. the lower triangle of S2, as SALib leaves it) survive a JSON round trip.

use ndarray::Array2;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy)]
pub(crate) struct F(pub f64);

impl Serialize for F {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_finite() {
            s.serialize_f64(v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for F {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<F, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Num {
            N(f64),
            S(String),
        }
        match Num::deserialize(d)? {
            Num::N(v) => Ok(F(v)),
            Num::S(s) => match s.as_str() {
                "NaN" => Ok(F(f64::NAN)),
                "inf" => Ok(F(f64::INFINITY)),
                "-inf" => Ok(F(f64::NEG_INFINITY)),
                other => Err(D::Error::custom(format!("not a number: {other:?}"))),
            },
        }
    }
}

pub(crate) mod vec {
    use super::*;
    pub(crate) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter().map(|&x| F(x)).collect::<Vec<_>>().serialize(s)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<F>::deserialize(d)?.into_iter().map(|f| f.0).collect())
    }
}

pub(crate) mod pairs {
    use super::*;
    pub(crate) fn serialize<S: Serializer>(v: &[(f64, f64)], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|&(a, b)| (F(a), F(b)))
            .collect::<Vec<_>>()
            .serialize(s)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(f64, f64)>, D::Error> {
        Ok(Vec::<(F, F)>::deserialize(d)?
            .into_iter()
            .map(|(a, b)| (a.0, b.0))
            .collect())
    }
}

pub(crate) mod opt_matrix {
    use super::*;
    pub(crate) fn serialize<S: Serializer>(
        v: &Option<Array2<f64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|m| {
                (
                    m.nrows(),
                    m.ncols(),
                    m.iter().map(|&x| F(x)).collect::<Vec<_>>(),
                )
            })
            .serialize(s)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Array2<f64>>, D::Error> {
        match Option::<(usize, usize, Vec<F>)>::deserialize(d)? {
            None => Ok(None),
            Some((r, c, v)) => Array2::from_shape_vec((r, c), v.into_iter().map(|f| f.0).collect())
                .map(Some)
                .map_err(D::Error::custom),
        }
    }
}

pub(crate) mod scalar {
    use super::*;
    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        F(*v).serialize(s)
    }
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(F::deserialize(d)?.0)
    }
}
