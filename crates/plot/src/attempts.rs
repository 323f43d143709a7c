//! `attempts.png`: which attempt delivered each success, per policy, as
//! stacked horizontal bars.

use plotters::prelude::*;
use retrysim_model::Metric;

use crate::canvas::{draw_err, label_font, legend_row, paint_png, tick, title_font};
use crate::{PlotError, Results};

const NAME: &str = "attempts.png";

/// Shades from dark (first try) to light (fourth or later).
const SHADES: [RGBColor; 4] = [
    RGBColor(0x1F, 0x4E, 0x79),
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0x8F, 0xB0, 0xD3),
    RGBColor(0xC9, 0xDA, 0xEC),
];
const KEYS: [(Metric, &str); 4] = [
    (Metric::SuccessAtAttempt1, "1st attempt"),
    (Metric::SuccessAtAttempt2, "2nd"),
    (Metric::SuccessAtAttempt3, "3rd"),
    (Metric::SuccessAtAttempt4Plus, "4th or later"),
];

/// Draws the chart.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    let n = r.policies.len();
    let height = (220 + n as u32 * 70).max(600);
    paint_png(NAME, (1600, height), |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — which attempt delivered each success (share of successes)",
            r.scenario
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let (key, root) = root.split_vertically(50);
        let entries: Vec<(&str, RGBColor)> =
            KEYS.iter().zip(SHADES).map(|((_, l), c)| (*l, c)).collect();
        legend_row(&key, &entries, NAME)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .margin_right(40)
            .x_label_area_size(60)
            .y_label_area_size(260)
            .build_cartesian_2d(
                0f64..100f64,
                (0..n.saturating_sub(1).max(1)).into_segmented(),
            )
            .map_err(&e)?;
        let row = |i: usize| n - 1 - i; // first policy on top
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .x_desc("share of successful requests (%)")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&tick)
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(j) if *j < n => r.policies[n - 1 - *j].name.clone(),
                _ => String::new(),
            })
            .draw()
            .map_err(&e)?;
        for (k, (key, _)) in KEYS.iter().enumerate() {
            let c = SHADES[k];
            let bars: Vec<_> = r
                .policies
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let start: f64 = KEYS[..k]
                        .iter()
                        .map(|(kk, _)| p.figure(*kk).mean.unwrap_or(0.0))
                        .sum();
                    let share = p.figure(*key).mean?;
                    let mut rect = Rectangle::new(
                        [
                            (100.0 * start, SegmentValue::Exact(row(i))),
                            (100.0 * (start + share), SegmentValue::Exact(row(i) + 1)),
                        ],
                        c.filled(),
                    );
                    rect.set_margin(8, 8, 0, 0);
                    Some(rect)
                })
                .collect();
            chart.draw_series(bars).map_err(&e)?;
        }
        Ok(())
    })
}
