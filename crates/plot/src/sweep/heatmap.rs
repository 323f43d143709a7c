//! A 2-D sweep as heatmaps, one panel per policy, each cell with its
//! value and CI, or why it has none.

use plotters::prelude::*;
use retrysim_model::Metric;

use super::{NAME, Sweep, figure, missing, stat, value_text};
use crate::PlotError;
use crate::axis_name::{axis_words, value_label as label};
use crate::canvas::{caption_font, draw_err, label_font, paint_png, title_font};
use crate::palette::{GUIDE, INK};

/// A light-to-dark blue scale for t in [0, 1].
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = ((0xEF, 0xF3, 0xFF), (0x08, 0x30, 0x6B));
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

pub(super) fn heatmap(
    s: &Sweep,
    key: Metric,
    caption: &str,
    scale: f64,
) -> Result<Vec<u8>, PlotError> {
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
