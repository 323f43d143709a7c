//! `outcomes.png`: the headline figures per policy as horizontal bars with
//! 95 % confidence whiskers.

use plotters::prelude::*;
use retrysim_experiment::Stat;
use retrysim_experiment::report::cell;
use retrysim_model::Metric;

use crate::canvas::{caption_font, draw_err, label_font, paint_png, tick, title_font};
use crate::palette::{INK, policy};
use crate::{PlotError, Results};

const NAME: &str = "outcomes.png";

/// One panel: the figure, its caption, the scale to display units, how a
/// value is written (the reports' own cells, so chart and table agree; it
/// is given the recovery bin),
/// which way is better, and the largest value it can take (shares).
struct Panel {
    key: Metric,
    caption: &'static str,
    scale: f64,
    cell: fn(&Stat, f64) -> String,
    better: &'static str,
    bound: Option<f64>,
}

const fn panel(
    key: Metric,
    caption: &'static str,
    scale: f64,
    cell: fn(&Stat, f64) -> String,
    better: &'static str,
) -> Panel {
    Panel {
        key,
        caption,
        scale,
        cell,
        better,
        bound: None,
    }
}

/// Attempts per request: `2.40 ± 0.01 ×` (the second argument, the
/// recovery bin, is for recovery cells).
fn times(s: &Stat, _: f64) -> String {
    format!("{} ×", cell::number(s, 2))
}

fn percent(s: &Stat, _: f64) -> String {
    cell::percent(s)
}

fn percentile(s: &Stat, _: f64) -> String {
    cell::percentile(s)
}

/// The panels. Without a trigger the two recovery panels are left out:
/// there is no moment to recover from.
fn panels(priced: bool, triggered: bool) -> Vec<Panel> {
    let mut v = vec![Panel {
        bound: Some(100.0),
        ..panel(
            Metric::SuccessRate,
            "success rate (%)",
            100.0,
            percent,
            "higher is better",
        )
    }];
    if triggered {
        v.push(panel(
            Metric::ErrorRecoveryS,
            "error recovery after the trigger (s)",
            1.0,
            cell::recovery_in,
            "sooner is better",
        ));
        v.push(panel(
            Metric::UserRecoveryS,
            "user recovery after the trigger (s)",
            1.0,
            cell::recovery_in,
            "sooner is better",
        ));
    }
    v.push(panel(
        Metric::Amplification,
        "attempts per request",
        1.0,
        times,
        "fewer is cheaper",
    ));
    v.push(panel(
        Metric::LatencyP99S,
        "p99 latency of successes (s)",
        1.0,
        percentile,
        "lower is better",
    ));
    if priced {
        v.push(panel(
            Metric::RetryOverhead,
            "billed waste ÷ useful cost (%), retried or not",
            100.0,
            percent,
            "lower is better",
        ));
    }
    if !priced || !triggered {
        v.push(panel(
            Metric::LatencyP50S,
            "p50 latency of successes (s)",
            1.0,
            percentile,
            "lower is better",
        ));
    }
    v
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
            "{} — per policy, mean of {} replications ± 95 % confidence interval",
            r.scenario, r.replications
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let areas = root.split_evenly((rows, 2));
        for (area, p) in areas.iter().zip(panels) {
            let figures: Vec<&Stat> = r.policies.iter().map(|pr| pr.figure(p.key)).collect();
            let widest = figures
                .iter()
                .filter_map(|f| f.ci95.map(|c| c[1]).or(f.mean))
                .fold(0.0f64, f64::max)
                * p.scale;
            let x_max = match p.bound {
                Some(b) => b,
                None if widest > 0.0 => widest * 1.05,
                None => 1.0,
            };
            let caption = format!("{} — {}", p.caption, p.better);
            let mut chart = ChartBuilder::on(area)
                .caption(caption, caption_font())
                .margin(10)
                // Room right of the bars for the value labels.
                .margin_right(200)
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
                // Few ticks: a narrow panel's labels must not touch.
                .x_labels(5)
                .x_label_formatter(&tick)
                .y_labels(n)
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(j) if *j < n => r.policies[n - 1 - *j].name.clone(),
                    _ => String::new(),
                })
                .draw()
                .map_err(&e)?;
            // Bars first; whiskers and labels then in the panel's pixels, so
            // that caps keep their size and labels may sit right of the axis.
            for (i, f) in figures.iter().enumerate() {
                let j = n - 1 - i; // first policy on top
                if let Some(m) = f.mean {
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(j)),
                            (m * p.scale, SegmentValue::Exact(j + 1)),
                        ],
                        policy(i).filled(),
                    );
                    bar.set_margin(6, 6, 0, 0);
                    chart.draw_series(std::iter::once(bar)).map_err(&e)?;
                }
            }
            let (bx, by) = area.get_base_pixel();
            let px = |x: f64, j: usize| {
                let (u, v) = chart.backend_coord(&(x, SegmentValue::CenterOf(j)));
                (u - bx, v - by)
            };
            for (i, f) in figures.iter().enumerate() {
                let j = n - 1 - i;
                let mut end = px(f.mean.map_or(0.0, |m| m * p.scale), j);
                if let (Some(_), Some([lo, hi])) = (f.mean, f.ci95) {
                    let (a, y) = px((lo * p.scale).max(0.0), j);
                    let (b, _) = px(hi * p.scale, j);
                    let ink = INK.stroke_width(2);
                    for seg in [
                        vec![(a, y), (b, y)],
                        vec![(a, y - 7), (a, y + 7)],
                        vec![(b, y - 7), (b, y + 7)],
                    ] {
                        area.draw(&PathElement::new(seg, ink)).map_err(&e)?;
                    }
                    end.0 = end.0.max(b);
                }
                area.draw(&Text::new(
                    (p.cell)(f, r.bin_s),
                    (end.0 + 8, end.1),
                    label_font().pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    )),
                ))
                .map_err(&e)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_panel_says_which_way_is_better_and_shares_stop_at_100() {
        for (priced, triggered) in [(false, false), (true, true), (true, false), (false, true)] {
            let ps = panels(priced, triggered);
            assert!(
                ps.iter()
                    .all(|p| p.better.ends_with("better") || p.better.ends_with("cheaper"))
            );
            let success = ps.iter().find(|p| p.key == Metric::SuccessRate).unwrap();
            assert_eq!(success.bound, Some(100.0));
            let recovery = ps.iter().any(|p| p.key == Metric::ErrorRecoveryS);
            assert_eq!(recovery, triggered);
        }
        let never = Stat {
            mean: None,
            ci95: None,
            n: 0,
            of: 3,
        };
        let recovery = &panels(false, true)[1];
        assert_eq!((recovery.cell)(&never, 1.0), "never (0/3)");
    }
}
