//! Test functions with analytic Sobol' indices, for tests, benchmarks and examples.

use std::f64::consts::PI;

/// The Ishigami function f(x) = sin x₁ + a sin² x₂ + b x₃⁴ sin x₁ on [−π, π]³ (Ishigami and
/// Homma 1990).
///
/// ```
/// use innodex::sensitivity::testfns::ishigami;
/// assert_eq!(ishigami(&[0.0, 0.0, 0.0], 7.0, 0.1), 0.0);
/// ```
pub fn ishigami(x: &[f64], a: f64, b: f64) -> f64 {
    let s1 = x[0].sin();
    let s2 = x[1].sin();
    s1 + a * s2 * s2 + b * x[2].powi(4) * s1
}

/// Analytic first- and total-order indices of the Ishigami function (inputs uniform on
/// [−π, π]): with V₁ = ½(1 + bπ⁴/5)², V₂ = a²/8, V₁₃ = 8b²π⁸/225 and V = V₁ + V₂ + V₁₃,
/// S = (V₁, V₂, 0)/V and ST = (V₁ + V₁₃, V₂, V₁₃)/V (Sobol' and Levitan 1999).
///
/// ```
/// use innodex::sensitivity::testfns::ishigami_indices;
/// let (s1, st) = ishigami_indices(7.0, 0.1);
/// assert!((s1[0] - 0.3139).abs() < 1e-4 && (s1[1] - 0.4424).abs() < 1e-4 && s1[2] == 0.0);
/// assert!((st[0] - 0.5576).abs() < 1e-4 && (st[2] - 0.2437).abs() < 1e-4);
/// ```
pub fn ishigami_indices(a: f64, b: f64) -> ([f64; 3], [f64; 3]) {
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = 8.0 * b * b * PI.powi(8) / 225.0;
    let v = v1 + v2 + v13;
    ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
}

/// Sobol's G-function ∏ (|4xᵢ − 2| + aᵢ) / (1 + aᵢ) on [0, 1]^k (Saltelli and Sobol' 1995).
///
/// ```
/// use innodex::sensitivity::testfns::g_function;
/// assert_eq!(g_function(&[0.5, 0.5], &[0.0, 1.0]), 0.0);
/// assert_eq!(g_function(&[0.0, 1.0], &[0.0, 0.0]), 4.0);
/// ```
pub fn g_function(x: &[f64], a: &[f64]) -> f64 {
    x.iter()
        .zip(a)
        .map(|(&xi, &ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
        .product()
}

/// Analytic first- and total-order indices of the G-function: Vᵢ = 1 / (3 (1 + aᵢ)²),
/// Sᵢ = Vᵢ / (∏(1 + Vⱼ) − 1), STᵢ = Vᵢ ∏_{j≠i}(1 + Vⱼ) / (∏(1 + Vⱼ) − 1).
///
/// ```
/// use innodex::sensitivity::testfns::g_function_indices;
/// let (s1, st) = g_function_indices(&[0.0, 0.0]);
/// // Two equal inputs: V = 1/3 each, total 16/9 − 1 = 7/9; S1 = 3/7, ST = 4/7.
/// assert!((s1[0] - 3.0 / 7.0).abs() < 1e-12 && (st[1] - 4.0 / 7.0).abs() < 1e-12);
/// ```
pub fn g_function_indices(a: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let v: Vec<f64> = a
        .iter()
        .map(|ai| 1.0 / (3.0 * (1.0 + ai).powi(2)))
        .collect();
    let prod: f64 = v.iter().map(|vi| 1.0 + vi).product();
    let total = prod - 1.0;
    let s1 = v.iter().map(|vi| vi / total).collect();
    let st = v.iter().map(|vi| vi * prod / (1.0 + vi) / total).collect();
    (s1, st)
}
