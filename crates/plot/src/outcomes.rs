//! `outcomes.png`: the headline figures per policy as horizontal bars with
//! 95 % confidence whiskers.

use plotters::prelude::*;
use retrysim_experiment::Stat;
use retrysim_model::Metric;

use crate::canvas::{caption_font, draw_err, label_font, paint_png, tick, title_font};
use crate::palette::{INK, policy};
use crate::{PlotError, Results};

const NAME: &str = "outcomes.png";

/// The panels: figure key, caption, scale to display units, and unit.
/// Without a trigger the two recovery panels are left out: there is no
/// moment to recover from.
fn panels(priced: bool, triggered: bool) -> Vec<(Metric, &'static str, f64, &'static str)> {
    let mut v = vec![(Metric::SuccessRate, "success rate (%)", 100.0, "%")];
    if triggered {
        v.push((
            Metric::ErrorRecoveryS,
            "error recovery after the trigger (s)",
            1.0,
            "s",
        ));
        v.push((
            Metric::UserRecoveryS,
            "user recovery after the trigger (s)",
            1.0,
            "s",
        ));
    }
    v.extend([
        (Metric::Amplification, "attempts per request", 1.0, "×"),
        (
            Metric::LatencyP99S,
            "p99 latency of successes (s)",
            1.0,
            "s",
        ),
    ]);
    if priced {
        v.push((
            Metric::RetryOverhead,
            "billed waste ÷ useful cost (%), retried or not",
            100.0,
            "%",
        ));
    }
    if !priced || !triggered {
        v.push((
            Metric::LatencyP50S,
            "p50 latency of successes (s)",
            1.0,
            "s",
        ));
    }
    v
}

fn label(f: &Stat, scale: f64, unit: &str) -> String {
    match f.mean {
        None => "never".into(),
        Some(m) => {
            let v = m * scale;
            let s = if v.abs() >= 100.0 {
                format!("{v:.0}")
            } else if v.abs() >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            };
            let partial = if f.n < f.of {
                format!(" ({}/{})", f.n, f.of)
            } else {
                String::new()
            };
            format!("{s} {unit}{partial}")
        }
    }
}

/// Draws the chart.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    let n = r.policies.len();
    let panels = panels(r.priced, r.triggered);
    let rows = panels.len().div_ceil(2);
    let height = (260 + rows as u32 * (n as u32 * 34 + 110)).max(300 * rows as u32);
    paint_png(NAME, (1600, height), |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — per policy, mean of {} replications with 95 % confidence interval",
            r.scenario, r.replications
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let areas = root.split_evenly((rows, 2));
        for (area, (key, caption, scale, unit)) in areas.iter().zip(panels) {
            let figures: Vec<&Stat> = r.policies.iter().map(|p| p.figure(key)).collect();
            let x_max = figures
                .iter()
                .filter_map(|f| f.ci95.map(|c| c[1]).or(f.mean))
                .fold(0.0f64, f64::max)
                * scale
                * 1.35;
            let x_max = if x_max > 0.0 { x_max } else { 1.0 };
            let mut chart = ChartBuilder::on(area)
                .caption(caption, caption_font())
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(230)
                .build_cartesian_2d(
                    0f64..x_max,
                    (0..n.saturating_sub(1).max(1)).into_segmented(),
                )
                .map_err(&e)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(WHITE)
                .label_style(label_font())
                .x_label_formatter(&tick)
                .y_labels(n)
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(j) if *j < n => r.policies[n - 1 - *j].name.clone(),
                    _ => String::new(),
                })
                .draw()
                .map_err(&e)?;
            for (i, f) in figures.iter().enumerate() {
                let c = policy(i);
                let j = n - 1 - i; // first policy on top
                if let Some(m) = f.mean {
                    let v = m * scale;
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(j)),
                            (v, SegmentValue::Exact(j + 1)),
                        ],
                        c.filled(),
                    );
                    bar.set_margin(6, 6, 0, 0);
                    chart.draw_series(std::iter::once(bar)).map_err(&e)?;
                    if let Some([lo, hi]) = f.ci95 {
                        let whisker = |x: f64| (x, SegmentValue::CenterOf(j));
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![whisker((lo * scale).max(0.0)), whisker(hi * scale)],
                                INK.stroke_width(3),
                            )))
                            .map_err(&e)?;
                    }
                }
                let x = f.ci95.map_or(f.mean.unwrap_or(0.0), |c| c[1]) * scale + x_max * 0.01;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label(f, scale, unit),
                        (x, SegmentValue::CenterOf(j)),
                        label_font().pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Left,
                            plotters::style::text_anchor::VPos::Center,
                        )),
                    )))
                    .map_err(&e)?;
            }
        }
        Ok(())
    })
}
