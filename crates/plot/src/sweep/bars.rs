//! A 1-D sweep as grouped bars: one group per value, one bar per policy,
//! an outline where a policy has no value.

use plotters::prelude::*;
use retrysim_model::Metric;

use super::{NAME, Sweep, figure, missing, stat, value_text};
use crate::PlotError;
use crate::axis_name::{axis_name, axis_words, value_label as label};
use crate::canvas::{draw_err, draw_legend, label_font, legend_line, paint_png, tick, title_font};
use crate::palette::{INK, policy};

/// A 1-D sweep over values that are not numbers (whole workloads, names),
/// or over a few: a group of bars per value, one bar per policy, with 95 % CI whiskers.
pub(super) fn bars(
    s: &Sweep,
    key: Metric,
    caption: &str,
    scale: f64,
) -> Result<Vec<u8>, PlotError> {
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
