//! A 1-D sweep over numbers as lines, one per policy, with CI whiskers;
//! and two figures stacked.

use plotters::prelude::*;
use retrysim_model::Metric;

use super::{NAME, Sweep, figure, missing};
use crate::PlotError;
use crate::axis_name::{axis_name, axis_words, value_label as label};
use crate::canvas::{
    caption_font, draw_err, draw_legend, label_font, legend_line, paint_png, tick, title_font,
};
use crate::palette::policy;

pub(super) fn lines(
    s: &Sweep,
    key: Metric,
    caption: &str,
    scale: f64,
) -> Result<Vec<u8>, PlotError> {
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

/// Two figures of a 1-D sweep stacked, one line per policy in each: the
/// contention study's work and completion time against the client count.
pub(super) fn stacked(s: &Sweep, panels: [(Metric, &str, f64); 2]) -> Result<Vec<u8>, PlotError> {
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
