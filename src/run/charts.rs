//! SVG charts of a run report, drawn with plotters' SVG backend (text as `<text>` elements,
//! no fonts needed). Each function returns one `<svg>` document as a string.

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32, RangedCoordusize};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::cases::linyi::{GapByYear, GapSensitivity};
use crate::index::uncertainty::RankStats;
use crate::report::TargetRow;
use crate::scenario::PlanProjection;

use super::GrowthGrid;

type Res = Result<(), Box<dyn std::error::Error>>;

/// Scenario colours (Okabe–Ito, distinguishable with colour-blindness).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

const FONT: &str = "sans-serif";
/// Caption and tick-label sizes (px): legible at the report's width.
const CAPTION: u32 = 17;
const LABEL: u32 = 13;

/// One colour per scenario name, the same as the Python charts' (`innodex._plot`): baseline
/// blue, slow red, fast green, and any other name one of seven chosen from its bytes.
pub(super) fn scenario_colour(name: &str) -> RGBColor {
    const OTHER: [RGBColor; 7] = [
        RGBColor(0x94, 0x67, 0xbd),
        RGBColor(0x8c, 0x56, 0x4b),
        RGBColor(0xe3, 0x77, 0xc2),
        RGBColor(0x7f, 0x7f, 0x7f),
        RGBColor(0xbc, 0xbd, 0x22),
        RGBColor(0x17, 0xbe, 0xcf),
        RGBColor(0xff, 0x7f, 0x0e),
    ];
    match name {
        "baseline" => RGBColor(0x1f, 0x77, 0xb4),
        "slow" => RGBColor(0xd6, 0x27, 0x28),
        "fast" => RGBColor(0x2c, 0xa0, 0x2c),
        _ => OTHER[name.bytes().map(usize::from).sum::<usize>() % OTHER.len()],
    }
}

/// A tick label: whole numbers with thousands separators (1,500, not 1500.0), others with
/// at most three decimals.
pub(super) fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        let digits = format!("{:.0}", v.abs());
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 { format!("−{out}") } else { out }
    } else {
        crate::target::fmt_num((v * 1000.0).round() / 1000.0).replace('-', "−")
    }
}

/// A legend drawn beside the plot: one line sample and label per entry.
fn side_legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    entries: &[(String, ShapeStyle, bool)],
) -> Res {
    for (i, (label, style, dashed)) in entries.iter().enumerate() {
        let y = 30 + 22 * i as i32;
        if *dashed {
            area.draw(&DashedPathElement::new(vec![(4, y), (26, y)], 6, 4, *style))?;
        } else {
            area.draw(&PathElement::new(vec![(4, y), (26, y)], *style))?;
        }
        area.draw(&Text::new(
            label.clone(),
            (32, y),
            (FONT, LABEL)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn render(
    w: u32,
    h: u32,
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Res,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(root).map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The chart of rows: one labelled row per name (`names[i]` at segment i, from the bottom),
/// values along x. Plotters' integer ranges are inclusive: 0..n − 1 is n rows, none empty.
type RowChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordusize>>>;

fn row_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    caption: &str,
    label_width: u32,
    x: std::ops::Range<f64>,
    names: &[String],
    x_desc: &str,
) -> Result<RowChart<'a, 'b>, Box<dyn std::error::Error>> {
    let n = names.len();
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, CAPTION))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(label_width)
        .build_cartesian_2d(x, (0..n.saturating_sub(1)).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .label_style((FONT, LABEL))
        .axis_desc_style((FONT, LABEL))
        .x_label_formatter(&|v| tick(*v))
        .y_labels(n.max(1))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc(x_desc)
        .draw()?;
    Ok(chart)
}

/// A chart of yearly values: years along x (inclusive), values along y, the report's mesh.
type YearChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordi32, RangedCoordf64>>;

/// Axis labels of a [`year_chart`]: the width of the y labels and both descriptions.
struct YearAxes<'s> {
    y_label_width: u32,
    x_desc: String,
    y_desc: &'s str,
}

fn year_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    caption: Option<&str>,
    (x0, x1): (i32, i32),
    y: std::ops::Range<f64>,
    axes: YearAxes,
) -> Result<YearChart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut builder = ChartBuilder::on(area);
    if let Some(c) = caption {
        builder.caption(c, (FONT, CAPTION));
    }
    let mut chart = builder
        .margin(10)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(axes.y_label_width)
        .build_cartesian_2d(x0..x1, y)?;
    chart
        .configure_mesh()
        .x_labels((x1 - x0 + 1).clamp(2, 12) as usize)
        .y_label_formatter(&|v| tick(*v))
        .label_style((FONT, LABEL))
        .axis_desc_style((FONT, LABEL))
        .light_line_style(TRANSPARENT)
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .draw()?;
    Ok(chart)
}

/// Padded range of values.
fn span(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - pad, hi + pad)
}

/// The compound and linear required paths shared by `rows` (targets whose paths are the same
/// are drawn once), with the base-year value.
pub(super) fn target_paths(rows: &[&TargetRow]) -> Result<String, String> {
    let row = rows[0];
    let ids: Vec<&str> = rows.iter().map(|r| r.target.as_str()).collect();
    render(560, 320, |root| {
        root.fill(&WHITE)?;
        let years: Vec<i32> = row
            .compound_path
            .iter()
            .chain(&row.linear_path)
            .map(|p| p.0)
            .collect();
        let (x0, x1) = (
            years.iter().copied().min().unwrap_or(0),
            years.iter().copied().max().unwrap_or(1),
        );
        let (y0, y1) = span(
            row.compound_path
                .iter()
                .chain(&row.linear_path)
                .map(|p| p.1),
        );
        let mut chart = year_chart(
            &root,
            Some(&format!("{}: required paths", row.indicator_name)),
            (x0, x1),
            y0..y1,
            YearAxes {
                y_label_width: 70,
                x_desc: format!("year (targets {})", ids.join(", ")),
                y_desc: &row.unit,
            },
        )?;
        chart
            .draw_series(LineSeries::new(
                row.compound_path.iter().copied(),
                PALETTE[0].stroke_width(2),
            ))?
            .label("compound")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], PALETTE[0]));
        chart
            .draw_series(LineSeries::new(
                row.linear_path.iter().copied(),
                PALETTE[1].stroke_width(2),
            ))?
            .label("linear")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], PALETTE[1]));
        if let Some(b) = row.baseline {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (row.base_year, b),
                    4,
                    BLACK.filled(),
                )))?
                .label(format!("{} in {}", tick(b), row.base_year))
                .legend(|(x, y)| Circle::new((x + 9, y), 4, BLACK.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, LABEL))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        root.present()?;
        Ok(())
    })
}

/// What a fan chart says about its indicator: name, unit and the thresholds of the targets on
/// its yearly value (label, value).
pub(super) struct FanLabels {
    pub name: String,
    pub unit: String,
    pub thresholds: Vec<(String, f64)>,
    /// A line under the title (e.g. that the start is a scenario assumption).
    pub note: Option<String>,
}

/// `text` cut to `n` characters, with an ellipsis.
fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        text.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// One indicator's fan chart under every scenario: the 5–95 % band and the median in the
/// scenario's colour, the targets' thresholds as dashed lines, the legend beside the plot.
pub(super) fn fan(
    p: &PlanProjection,
    indicator: &str,
    labels: &FanLabels,
) -> Result<String, String> {
    render(760, 360, |root| {
        root.fill(&WHITE)?;
        let root = root.titled(&clip(&labels.name, 80), (FONT, CAPTION))?;
        let sub = match &labels.note {
            Some(n) => format!("median and 5–95 % band by scenario; {n}"),
            None => "median and 5–95 % band by scenario".into(),
        };
        let root = root.titled(
            &clip(&sub, 110),
            (FONT, LABEL).into_font().color(&BLACK.mix(0.7)),
        )?;
        let (plot, side) = root.split_horizontally(560);
        // (scenario, [(year, q05, q50, q95)])
        let mut series = vec![];
        for s in &p.scenarios {
            let probs = &s.result.quantiles;
            let at = |x: f64| probs.iter().position(|p| (*p - x).abs() < 1e-12);
            let (Some(a), Some(m), Some(b)) = (at(0.05), at(0.5), at(0.95)) else {
                continue;
            };
            let Some(f) = s.result.indicator(indicator) else {
                continue;
            };
            let pts: Vec<(i32, f64, f64, f64)> = f
                .years
                .iter()
                .zip(&f.quantiles)
                .filter_map(|(y, q)| q.as_ref().map(|q| (*y, q[a], q[m], q[b])))
                .collect();
            if !pts.is_empty() {
                series.push((s.name.clone(), pts));
            }
        }
        let all = series.iter().flat_map(|(_, v)| v.iter());
        let (x0, x1) = all
            .clone()
            .fold((i32::MAX, i32::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (x0, x1) = if x0 > x1 {
            (0, 1)
        } else {
            (x0, x1.max(x0 + 1))
        };
        let (y0, y1) = span(
            all.flat_map(|p| [p.1, p.3])
                .chain(labels.thresholds.iter().map(|t| t.1)),
        );
        let mut chart = year_chart(
            &plot,
            None,
            (x0, x1),
            y0..y1,
            YearAxes {
                y_label_width: 70,
                x_desc: format!("year ({} paths, seed {})", p.n_paths, p.seed),
                y_desc: &labels.unit,
            },
        )?;
        let mut legend = vec![];
        for (name, pts) in &series {
            let c = scenario_colour(name);
            let mut poly: Vec<(i32, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
            poly.extend(pts.iter().rev().map(|p| (p.0, p.1)));
            chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))?;
            chart.draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.2)),
                c.stroke_width(2),
            ))?;
            legend.push((name.clone(), c.stroke_width(2), false));
        }
        for (label, v) in &labels.thresholds {
            let style = BLACK.mix(0.8).stroke_width(1);
            chart.draw_series(DashedLineSeries::new([(x0, *v), (x1, *v)], 6, 4, style))?;
            legend.push((format!("{label} ≥ {}", tick(*v)), style, true));
        }
        side_legend(&side, &legend)?;
        root.present()?;
        Ok(())
    })
}

/// The tornado of the R&D-share gap: output at each input's low and high value.
pub(super) fn tornado(g: &GapSensitivity) -> Result<String, String> {
    let n = g.tornado.len();
    render(620, 80 + 44 * n as u32, |root| {
        root.fill(&WHITE)?;
        let (x0, x1) = span(
            g.tornado
                .iter()
                .flat_map(|b| [b.output_low, b.output_high])
                .chain([g.base_gap]),
        );
        // Largest swing on top: bar i drawn at segment n − 1 − i.
        let names: Vec<String> = g.tornado.iter().rev().map(|b| b.name.clone()).collect();
        let mut chart = row_chart(
            &root,
            "R&D share: 2025 gap to Shandong (pp), one input at a time",
            150,
            x0..x1,
            &names,
            "gap (percentage points)",
        )?;
        for (k, b) in g.tornado.iter().enumerate() {
            let i = n - 1 - k;
            chart.draw_series([
                bar(
                    (g.base_gap.min(b.output_low), g.base_gap.max(b.output_low)),
                    i,
                    PALETTE[1].mix(0.8).filled(),
                ),
                bar(
                    (g.base_gap.min(b.output_high), g.base_gap.max(b.output_high)),
                    i,
                    PALETTE[0].mix(0.8).filled(),
                ),
            ])?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (g.base_gap, SegmentValue::Exact(0)),
                (g.base_gap, SegmentValue::Exact(n)),
            ],
            BLACK.stroke_width(1),
        )))?;
        root.present()?;
        Ok(())
    })
}

/// The first-order Sobol' indices of the R&D-share gap by year (solid, with their 95 %
/// bootstrap half-widths as a band) and the total-order ones (dashed), one colour per input.
pub(super) fn sobol_by_year(g: &GapByYear) -> Result<String, String> {
    render(760, 360, |root| {
        root.fill(&WHITE)?;
        let root = root.titled(
            "R&D share: Sobol' indices of the gap to Shandong, by year",
            (FONT, CAPTION),
        )?;
        let (plot, side) = root.split_horizontally(560);
        let (x0, x1) = (
            g.years.first().copied().unwrap_or(0),
            g.years.last().copied().unwrap_or(1),
        );
        let x1 = x1.max(x0 + 1);
        let mut chart = year_chart(
            &plot,
            None,
            (x0, x1),
            -0.02..1.02,
            YearAxes {
                y_label_width: 60,
                x_desc: format!("year (N = {}, seed {})", g.n, g.seed),
                y_desc: "share of the gap's variance",
            },
        )?;
        // The years before the start share are back-cast, not history: shaded and said so.
        if x0 < g.start_year {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, -0.02), (g.start_year.min(x1), 1.02)],
                BLACK.mix(0.07).filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("back-cast, not history (before {})", g.start_year),
                (x0, 1.0),
                (FONT, LABEL),
            )))?;
        }
        let mut legend = vec![];
        for (j, name) in g.inputs.iter().enumerate() {
            let c = PALETTE[j % PALETTE.len()];
            let at = |t: usize| (g.years[t], g.s1[t][j], g.s1_conf[t][j]);
            let n = g.years.len();
            let mut band: Vec<(i32, f64)> = (0..n).map(|t| (at(t).0, at(t).1 + at(t).2)).collect();
            band.extend((0..n).rev().map(|t| (at(t).0, at(t).1 - at(t).2)));
            chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.15).filled())))?;
            chart.draw_series(LineSeries::new(
                (0..n).map(|t| (g.years[t], g.s1[t][j])),
                c.stroke_width(2),
            ))?;
            chart.draw_series(
                (0..n).map(|t| Circle::new((g.years[t], g.s1[t][j]), 3, c.filled())),
            )?;
            chart.draw_series(DashedLineSeries::new(
                (0..n).map(|t| (g.years[t], g.st[t][j])),
                6,
                4,
                c.stroke_width(1),
            ))?;
            legend.push((format!("{name} S1"), c.stroke_width(2), false));
            legend.push((format!("{name} ST"), c.stroke_width(1), true));
        }
        side_legend(&side, &legend)?;
        root.present()?;
        Ok(())
    })
}

/// A horizontal bar over `x` in row `i`, with a gap to the rows above and below.
fn bar(x: (f64, f64), i: usize, style: ShapeStyle) -> Rectangle<(f64, SegmentValue<usize>)> {
    let mut r = Rectangle::new(
        [
            (x.0, SegmentValue::Exact(i)),
            (x.1, SegmentValue::Exact(i + 1)),
        ],
        style,
    );
    r.set_margin(7, 7, 0, 0);
    r
}

/// A light-to-dark colour scale on [0, 1].
fn heat(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(lerp(255, 165), lerp(245, 15), lerp(200, 21))
}

/// The heat map of required R&D growth by baseline share and GDP growth.
pub(super) fn heat_map(g: &GrowthGrid) -> Result<String, String> {
    let (nx, ny) = (g.gdp_growths.len(), g.baselines.len());
    render(
        (140 + 70 * nx as u32).max(420),
        (110 + 34 * ny as u32).max(220),
        |root| {
            root.fill(&WHITE)?;
            let (lo, hi) = span(g.required.iter().flatten().copied());
            let xs: Vec<String> = g
                .gdp_growths
                .iter()
                .map(|v| format!("{:.1} %", v * 100.0))
                .collect();
            let ys: Vec<String> = g.baselines.iter().map(|v| format!("{v} %")).collect();
            let mut chart = ChartBuilder::on(&root)
                .caption(
                    format!(
                        "Required R&D growth a year to reach {} % in 2025",
                        g.reference_2025
                    ),
                    (FONT, CAPTION),
                )
                .margin(10)
                .x_label_area_size(50)
                .y_label_area_size(90)
                // Integer ranges are inclusive in plotters: 0..n − 1 is n cells, no empty one.
                .build_cartesian_2d(
                    (0..nx.saturating_sub(1)).into_segmented(),
                    (0..ny.saturating_sub(1)).into_segmented(),
                )?;
            chart
                .configure_mesh()
                .disable_mesh()
                .label_style((FONT, LABEL))
                .axis_desc_style((FONT, LABEL))
                .axis_desc_style((FONT, LABEL))
                .x_labels(nx.max(1))
                .y_labels(ny.max(1))
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => xs.get(*i).cloned().unwrap_or_default(),
                    _ => String::new(),
                })
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => ys.get(*i).cloned().unwrap_or_default(),
                    _ => String::new(),
                })
                .x_desc("nominal GDP growth a year")
                .y_desc("R&D share 2020")
                .draw()?;
            let centre = Pos::new(HPos::Center, VPos::Center);
            for (i, row) in g.required.iter().enumerate() {
                for (j, v) in row.iter().enumerate() {
                    let t = (v - lo) / (hi - lo);
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [
                            (SegmentValue::Exact(j), SegmentValue::Exact(i)),
                            (SegmentValue::Exact(j + 1), SegmentValue::Exact(i + 1)),
                        ],
                        heat(t).filled(),
                    )))?;
                    let colour = if t > 0.55 { WHITE } else { BLACK };
                    chart.draw_series(std::iter::once(Text::new(
                        format!("{:.1} %", v * 100.0),
                        (SegmentValue::CenterOf(j), SegmentValue::CenterOf(i)),
                        (FONT, 12).into_font().color(&colour).pos(centre),
                    )))?;
                }
            }
            root.present()?;
            Ok(())
        },
    )
}

/// Rank intervals of an index's units (5–95 % of the uncertainty analysis), best first.
pub(super) fn rank_intervals(index: &str, stats: &[RankStats]) -> Result<String, String> {
    let mut s: Vec<&RankStats> = stats.iter().filter(|r| r.nominal.is_finite()).collect();
    s.sort_by(|a, b| a.nominal.total_cmp(&b.nominal).then(a.unit.cmp(&b.unit)));
    let n = s.len();
    render(620, 90 + 15 * n as u32, |root| {
        root.fill(&WHITE)?;
        let max_rank = s.iter().map(|r| r.q95.max(r.nominal)).fold(1.0, f64::max);
        // Best rank at the top: unit k drawn at segment n − 1 − k.
        let names: Vec<String> = s.iter().rev().map(|r| r.unit.clone()).collect();
        let mut chart = row_chart(
            &root,
            &format!("{index}: rank intervals (5–95 %), median ● and nominal ×"),
            70,
            0.5..max_rank + 0.5,
            &names,
            "rank (1 = best)",
        )?;
        for (k, r) in s.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - k);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(r.q05, y.clone()), (r.q95, y.clone())],
                PALETTE[0].stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Circle::new(
                (r.median, y.clone()),
                3,
                PALETTE[0].filled(),
            )))?;
            chart.draw_series(std::iter::once(Cross::new(
                (r.nominal, y),
                3,
                PALETTE[1].stroke_width(2),
            )))?;
        }
        root.present()?;
        Ok(())
    })
}
