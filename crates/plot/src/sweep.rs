//! Sweep charts from `sweep.json`: for a 2-D sweep a heatmap per figure (one
//! panel per policy), for a 1-D sweep a line per policy with 95 % CI
//! whiskers.

use plotters::prelude::*;
use retrysim_experiment::Stat;
use retrysim_experiment::sweep::store::{SweepCell, SweepResults};
use retrysim_model::Metric;

use crate::axis_name::{axis_name, axis_words, value_label as label};
use crate::canvas::{
    caption_font, draw_err, draw_legend, label_font, legend_line, paint_png, tick, title_font,
};
use crate::palette::{GUIDE, INK, policy};
use crate::{Chart, PlotError};

/// The figures drawn, with captions and display scale; a figure no cell
/// has (e.g. `writes` without a contended record) is skipped.
const FIGURES: [(Metric, &str, f64); 11] = [
    (
        Metric::Metastable,
        "runs metastable at the end of the load (%)",
        100.0,
    ),
    (
        Metric::GoodputRatio,
        "goodput ÷ offered load at the end of the load (%)",
        100.0,
    ),
    (Metric::Writes, "writes sent (work)", 1.0),
    (
        Metric::CompletionS,
        "time until the last request ended (s)",
        1.0,
    ),
    (
        Metric::UserRecoveryAfterEndS,
        "user recovery after the trigger's end (s)",
        1.0,
    ),
    (Metric::SuccessRate, "success rate (%)", 100.0),
    (
        Metric::ErrorRecoveryS,
        "error recovery after the trigger (s)",
        1.0,
    ),
    (
        Metric::UserRecoveryS,
        "user recovery after the trigger (s)",
        1.0,
    ),
    (Metric::Amplification, "attempts per request", 1.0),
    (Metric::LatencyP99S, "p99 latency of successes (s)", 1.0),
    // Only a priced scenario has it.
    (
        Metric::CostPerSuccess,
        "dollars billed per successful request",
        1.0,
    ),
];

/// A sweep as the charts read it.
struct Sweep<'a> {
    scenario: &'a str,
    axes: Vec<(&'a str, &'a [serde_json::Value])>,
    policies: Vec<&'a str>,
    cells: &'a [SweepCell],
}

impl<'a> Sweep<'a> {
    fn of(r: &'a SweepResults) -> Self {
        Sweep {
            scenario: &r.scenario,
            axes: r
                .axes
                .iter()
                .map(|a| (a.path.as_str(), a.values.as_slice()))
                .collect(),
            policies: r
                .cells
                .first()
                .map(|c| c.policies.iter().map(|p| p.name.as_str()).collect())
                .unwrap_or_default(),
            cells: &r.cells,
        }
    }
}

/// The figure `m` of policy `p` in cell `c`, if the cell has that policy.
fn stat<'a>(s: &Sweep<'a>, c: usize, p: usize, m: Metric) -> Option<&'a Stat> {
    Some(&s.cells.get(c)?.policies.get(p)?.metrics[m])
}

/// (mean, ci) of `m` for policy `p` in cell `c`.
fn figure(s: &Sweep, c: usize, p: usize, m: Metric) -> (Option<f64>, Option<(f64, f64)>) {
    stat(s, c, p, m).map_or((None, None), |st| (st.mean, st.ci95.map(|[a, b]| (a, b))))
}

/// What a cell without a value means: a recovery that never came, or a
/// figure that has no value (no success to time, say).
fn missing(key: Metric) -> &'static str {
    match key {
        Metric::ErrorRecoveryS
        | Metric::UserRecoveryS
        | Metric::ErrorRecoveryAfterEndS
        | Metric::UserRecoveryAfterEndS => "never",
        _ => "n/a",
    }
}

/// A value on a chart: three significant digits (no more than two
/// decimals), `missing` without a value, and the replications that had one
/// when not all did (`never (0/5)`, `318 (3/5)`).
fn value_text(st: Option<&Stat>, scale: f64, missing: &str) -> String {
    let Some(st) = st else {
        return missing.into();
    };
    let partial = if st.n < st.of {
        format!(" ({}/{})", st.n, st.of)
    } else {
        String::new()
    };
    match st.mean {
        None => format!("{missing}{partial}"),
        Some(m) => {
            let v = m * scale;
            let d = if v.abs() >= 100.0 {
                0
            } else if v.abs() >= 10.0 {
                1
            } else {
                2
            };
            format!("{v:.d$}{partial}")
        }
    }
}

/// Every sweep chart (none for sweeps of three or more axes).
pub fn render_sweep(sweep: &SweepResults) -> Result<Vec<Chart>, PlotError> {
    let s = Sweep::of(sweep);
    let mut out = Vec::new();
    for (key, caption, scale) in FIGURES {
        // A recovery no policy reached in any cell is still a finding: its
        // chart says "never" throughout. Without a trigger there is no
        // recovery to chart (as in a run's outcomes.png).
        let recovery = missing(key) == "never";
        if recovery && !sweep.triggered {
            continue;
        }
        let present = recovery
            || (0..s.cells.len())
                .any(|c| (0..s.policies.len()).any(|p| figure(&s, c, p, key).0.is_some()));
        // Without triggers recovery after the end is recovery itself.
        let same_as = |other: Metric| {
            (0..s.cells.len()).all(|c| {
                (0..s.policies.len()).all(|p| figure(&s, c, p, key).0 == figure(&s, c, p, other).0)
            })
        };
        if !present || (key == Metric::UserRecoveryAfterEndS && same_as(Metric::UserRecoveryS)) {
            continue;
        }
        // Bars for values that are not numbers, and for a few numbers (lines
        // through three points hide policies that coincide).
        let categorical = s.axes.len() == 1
            && (s.axes[0].1.len() <= 4 || s.axes[0].1.iter().any(|v| !v.is_number()));
        let png = match s.axes.len() {
            1 if categorical => bars(&s, key, caption, scale)?,
            1 => lines(&s, key, caption, scale)?,
            2 => heatmap(&s, key, caption, scale)?,
            _ => continue,
        };
        out.push(Chart {
            name: format!("sweep-{}.png", key.name()),
            png,
        });
    }
    let has = |m: Metric| {
        out.iter()
            .any(|c| c.name == format!("sweep-{}.png", m.name()))
    };
    if s.axes.len() == 1 && has(Metric::Writes) && has(Metric::CompletionS) {
        let pick = |m: Metric| FIGURES.into_iter().find(|f| f.0 == m);
        if let (Some(w), Some(c)) = (pick(Metric::Writes), pick(Metric::CompletionS)) {
            out.push(Chart {
                name: "sweep-writes-and-completion.png".into(),
                png: stacked(&s, [w, c])?,
            });
        }
    }
    Ok(out)
}

const NAME: &str = "sweep chart";

fn lines(s: &Sweep, key: Metric, caption: &str, scale: f64) -> Result<Vec<u8>, PlotError> {
    let path = &s.axes[0].0;
    paint_png(NAME, (1600, 1000), |root| {
        let root = root
            .titled(
                &format!("{} — {caption} against {}", s.scenario, axis_words(path)),
                title_font(),
            )
            .map_err(draw_err(NAME))?;
        draw_lines(&root, s, key, caption, scale, None)
    })
}

/// A 1-D sweep over values that are not numbers (whole workloads, names),
/// or over a few: a group of bars per value, one bar per policy, with 95 % CI whiskers.
fn bars(s: &Sweep, key: Metric, caption: &str, scale: f64) -> Result<Vec<u8>, PlotError> {
    let (path, values) = &s.axes[0];
    let n = values.len();
    let np = s.policies.len().max(1);
    paint_png(NAME, (1600, 1000), |root| {
        let e = draw_err(NAME);
        let root = root
            .titled(
                &format!("{} — {caption} by {}", s.scenario, axis_words(path)),
                title_font(),
            )
            .map_err(&e)?;
        let y_max = (0..n)
            .flat_map(|c| (0..np).map(move |p| (c, p)))
            .filter_map(|(c, p)| {
                let (m, ci) = figure(s, c, p, key);
                ci.map(|x| x.1).or(m)
            })
            .fold(0.0f64, f64::max)
            * scale
            // Headroom for the value labels and the legend above the bars.
            * (1.15 + 0.07 * np as f64);
        // An outline for a missing value stands a little above the highest
        // bar (the headroom above is the labels' and the legend's).
        let y_max = if y_max > 0.0 { y_max } else { 1.0 };
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..n as f64, 0f64..y_max)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_x_mesh()
            .x_desc(axis_name(path))
            .y_desc(caption)
            .label_style(label_font())
            .axis_desc_style(label_font())
            .y_label_formatter(&tick)
            .x_labels(2 * n + 1)
            .x_label_formatter(&|x| {
                let i = (x - 0.5).round();
                if (x - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    label(&values[i as usize])
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(&e)?;
        let width = 0.8 / np as f64;
        for (p, name) in s.policies.iter().enumerate() {
            let c = policy(p);
            // Every policy gets its legend entry, drawn or not.
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(&e)?
                .label(*name)
                .legend(legend_line(c));
            for i in 0..n {
                let st = stat(s, i, p, key);
                let (mean, ci) = figure(s, i, p, key);
                let x0 = i as f64 + 0.1 + p as f64 * width;
                let (x1, mid) = (x0 + width * 0.9, x0 + width * 0.45);
                let top = match mean.map(|m| m * scale) {
                    Some(m) => {
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(x0, 0.0), (x1, m)],
                                c.filled(),
                            )))
                            .map_err(&e)?;
                        if let Some((lo, hi)) = ci {
                            chart
                                .draw_series(std::iter::once(PathElement::new(
                                    vec![(mid, lo * scale), (mid, hi * scale)],
                                    INK.stroke_width(2),
                                )))
                                .map_err(&e)?;
                        }
                        ci.map_or(m, |(_, hi)| (hi * scale).max(m))
                    }
                    // No bar: an empty outline taller than every bar (off
                    // the scale, not short), labelled at its top.
                    None => {
                        let top = y_max / (1.15 + 0.07 * np as f64) * 1.08;
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(x0, 0.0), (x1, top)],
                                c.stroke_width(2),
                            )))
                            .map_err(&e)?;
                        top
                    }
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        value_text(st, scale, missing(key)),
                        (mid, top + y_max * 0.01),
                        label_font().pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Bottom,
                        )),
                    )))
                    .map_err(&e)?;
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, NAME)
    })
}

/// Two figures of a 1-D sweep stacked, one line per policy in each: the
/// contention study's work and completion time against the client count.
fn stacked(s: &Sweep, panels: [(Metric, &str, f64); 2]) -> Result<Vec<u8>, PlotError> {
    let path = &s.axes[0].0;
    paint_png(NAME, (1600, 1400), |root| {
        let root = root
            .titled(
                // The panels' captions say which figure is which.
                &format!("{} — two figures against {}", s.scenario, axis_words(path)),
                title_font(),
            )
            .map_err(draw_err(NAME))?;
        let (upper, lower) = root.split_vertically(root.dim_in_pixel().1 / 2);
        for (area, (key, caption, scale)) in [upper, lower].iter().zip(panels) {
            draw_lines(area, s, key, caption, scale, Some(caption))?;
        }
        Ok(())
    })
}

/// One line per policy with 95 % CI whiskers, on `area`.
fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    s: &Sweep,
    key: Metric,
    caption: &str,
    scale: f64,
    panel_caption: Option<&str>,
) -> Result<(), PlotError> {
    let e = draw_err(NAME);
    let (path, values) = &s.axes[0];
    let n = values.len();
    let y_max = (0..n)
        .flat_map(|c| (0..s.policies.len()).map(move |p| (c, p)))
        .filter_map(|(c, p)| {
            let (m, ci) = figure(s, c, p, key);
            ci.map(|x| x.1).or(m)
        })
        .fold(0.0f64, f64::max)
        * scale
        * 1.1;
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    // Rising lines leave the upper left free for the legend.
    let peak = |c: usize| {
        (0..s.policies.len())
            .filter_map(|p| figure(s, c, p, key).0)
            .fold(0.0f64, f64::max)
    };
    let rising = n > 1 && peak(n - 1) > peak(0);
    let mut builder = ChartBuilder::on(area);
    if let Some(c) = panel_caption {
        builder.caption(c, caption_font());
    }
    let mut chart = builder
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(
            (0..n.saturating_sub(1).max(1)).into_segmented(),
            0f64..y_max,
        )
        .map_err(&e)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(axis_name(path))
        .y_desc(caption)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .x_labels(n)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if *i < n => label(&values[*i]),
            _ => String::new(),
        })
        .y_label_formatter(&tick)
        .draw()
        .map_err(&e)?;
    for (p, name) in s.policies.iter().enumerate() {
        let c = policy(p);
        let pts: Vec<_> = (0..n)
            .filter_map(|i| {
                figure(s, i, p, key)
                    .0
                    .map(|m| (SegmentValue::CenterOf(i), m * scale))
            })
            .collect();
        // A value the line skips is said in the legend.
        let gaps = (0..n).filter(|&i| figure(s, i, p, key).0.is_none()).count();
        let name = if gaps == 0 {
            name.to_string()
        } else {
            format!("{name} — {} at {gaps} of {n} values", missing(key))
        };
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(3)))
            .map_err(&e)?
            .label(name)
            .legend(legend_line(c));
        for i in 0..n {
            if let (_, Some((lo, hi))) = figure(s, i, p, key) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![
                            (SegmentValue::CenterOf(i), lo * scale),
                            (SegmentValue::CenterOf(i), hi * scale),
                        ],
                        c.stroke_width(2),
                    )))
                    .map_err(&e)?;
            }
        }
    }
    let corner = if rising {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    };
    draw_legend(&mut chart, corner, NAME)
}

/// A light-to-dark blue scale for t in [0, 1].
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = ((0xEF, 0xF3, 0xFF), (0x08, 0x30, 0x6B));
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn heatmap(s: &Sweep, key: Metric, caption: &str, scale: f64) -> Result<Vec<u8>, PlotError> {
    let ((px, xs), (py, ys)) = (&s.axes[0], &s.axes[1]);
    let np = s.policies.len().max(1);
    let cols = np.min(3);
    let rows = np.div_ceil(cols);
    let height = (240 + rows as u32 * 620).min(4000);
    // Room for the longest row label beside the axis title.
    let widest = ys
        .iter()
        .map(|v| label(v).chars().count())
        .max()
        .unwrap_or(0);
    let y_labels = (40 + 11 * widest as u32).clamp(80, 400);
    paint_png(NAME, (1600, height), |root| {
        let e = draw_err(NAME);
        let root = root
            .titled(
                &if key == Metric::Metastable {
                    // The cells count runs, so the caption's "(%)" goes.
                    format!(
                        "{} — {}; darker = more runs; {px} × {py}",
                        s.scenario,
                        caption.trim_end_matches(" (%)")
                    )
                } else {
                    format!(
                        "{} — {caption}, mean ± 95 % CI; darker = higher; {px} × {py}",
                        s.scenario
                    )
                },
                title_font(),
            )
            .map_err(&e)?;
        let all: Vec<f64> = (0..s.cells.len())
            .flat_map(|c| (0..s.policies.len()).map(move |p| (c, p)))
            .filter_map(|(c, p)| figure(s, c, p, key).0.map(|m| m * scale))
            .collect();
        let (lo, hi) = all
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let areas = root.split_evenly((rows, cols));
        for (p, area) in s
            .policies
            .iter()
            .enumerate()
            .zip(areas.iter())
            .map(|((p, _), a)| (p, a))
        {
            let mut chart = ChartBuilder::on(area)
                .caption(s.policies[p], caption_font())
                .margin(12)
                .x_label_area_size(60)
                .y_label_area_size(y_labels)
                .build_cartesian_2d(
                    (0..xs.len().saturating_sub(1).max(1)).into_segmented(),
                    (0..ys.len().saturating_sub(1).max(1)).into_segmented(),
                )
                .map_err(&e)?;
            chart
                .configure_mesh()
                .disable_mesh()
                // Panels are narrow: words on the axes, paths in the title.
                .x_desc(axis_words(px))
                .y_desc(axis_words(py))
                .label_style(label_font())
                .axis_desc_style(label_font())
                .x_labels(xs.len() + 1)
                .y_labels(ys.len() + 1)
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => xs.get(*i).map(label).unwrap_or_default(),
                    _ => String::new(),
                })
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => ys.get(*i).map(label).unwrap_or_default(),
                    _ => String::new(),
                })
                .draw()
                .map_err(&e)?;
            for (xi, _) in xs.iter().enumerate() {
                for (yi, _) in ys.iter().enumerate() {
                    let c = xi * ys.len() + yi;
                    let (mean, ci) = figure(s, c, p, key);
                    let Some(m) = mean.map(|m| m * scale) else {
                        // No colour: the cell says why.
                        chart
                            .draw_series(std::iter::once(Text::new(
                                value_text(stat(s, c, p, key), scale, missing(key)),
                                (SegmentValue::CenterOf(xi), SegmentValue::CenterOf(yi)),
                                label_font().color(&GUIDE).pos(
                                    plotters::style::text_anchor::Pos::new(
                                        plotters::style::text_anchor::HPos::Center,
                                        plotters::style::text_anchor::VPos::Center,
                                    ),
                                ),
                            )))
                            .map_err(&e)?;
                        continue;
                    };
                    let t = if hi > lo { (m - lo) / (hi - lo) } else { 0.5 };
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [
                                (SegmentValue::Exact(xi), SegmentValue::Exact(yi)),
                                (SegmentValue::Exact(xi + 1), SegmentValue::Exact(yi + 1)),
                            ],
                            shade(t).filled(),
                        )))
                        .map_err(&e)?;
                    let ink = if t > 0.55 { WHITE } else { INK };
                    let d = if m.abs() >= 100.0 { 0 } else { 1 };
                    let runs = stat(s, c, p, key).map(|st| st.n);
                    let text = match (ci, runs) {
                        // A yes/no figure reads better as a count of runs.
                        (_, Some(n)) if key == Metric::Metastable => {
                            format!("{} of {n} runs", (m / scale * n as f64).round())
                        }
                        (Some((lo, hi)), _) => {
                            format!("{m:.d$} ± {:.d$}", (hi - lo) / 2.0 * scale)
                        }
                        (None, _) => format!("{m:.d$}"),
                    };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            text,
                            (SegmentValue::CenterOf(xi), SegmentValue::CenterOf(yi)),
                            label_font()
                                .color(&ink)
                                .pos(plotters::style::text_anchor::Pos::new(
                                    plotters::style::text_anchor::HPos::Center,
                                    plotters::style::text_anchor::VPos::Center,
                                )),
                        )))
                        .map_err(&e)?;
                }
            }
        }
        Ok(())
    })
}
