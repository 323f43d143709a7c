//! `tiers.png`: a call graph's amplification, tier by tier — the attempts
//! that reached each service per request that entered the graph, one bar
//! per policy in each service's group, on a log scale (retries at every
//! tier multiply). Drawn only for scenarios whose services call services.

use plotters::prelude::*;

use crate::canvas::{draw_err, draw_legend, label_font, paint_png, title_font};
use crate::palette;
use crate::{PlotError, Results};

/// The chart's file name.
pub const NAME: &str = "tiers.png";

/// Draws the chart; a run without a call graph has no tiers to draw.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    let services: Vec<&str> = match r.policies.first() {
        Some(p) if !p.services.is_empty() => p.services.iter().map(|(n, _)| n.as_str()).collect(),
        _ => {
            return Err(PlotError::Missing {
                chart: NAME,
                what: "per-service results (the scenario has no call graph)",
            });
        }
    };
    let loads: Vec<Vec<Option<f64>>> = (r.policies.iter())
        .map(|p| p.services.iter().map(|(_, s)| s.mean).collect())
        .collect();
    let top = loads
        .iter()
        .flatten()
        .flatten()
        .fold(1.0f64, |a, &b| a.max(b));
    let bottom = (loads.iter().flatten().flatten())
        .filter(|&&v| v > 0.0)
        .fold(1.0f64, |a, &b| a.min(b));
    let (lo, hi) = (bottom / 2.0, top * 2.0);
    let (n, groups) = (r.policies.len(), services.len());
    paint_png(NAME, crate::SIZE, |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — attempts reaching each service per request that entered (log scale)",
            r.scenario
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..groups as f64, (lo..hi).log_scale())
            .map_err(&e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(groups * 2 + 1)
            .x_label_formatter(&|v| {
                let i = v.floor() as usize;
                let centre = (v - i as f64 - 0.5).abs() < 1e-9;
                if centre && i < groups {
                    services[i].to_string()
                } else {
                    String::new()
                }
            })
            .x_desc("service (the entry first)")
            .y_desc("attempts reaching it per request")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()
            .map_err(&e)?;
        let width = 0.8 / n as f64;
        for (i, p) in r.policies.iter().enumerate() {
            let c = palette::policy(i);
            let bars: Vec<_> = (loads[i].iter().enumerate())
                .filter_map(|(g, v)| {
                    let v = (*v)?.max(lo);
                    let x0 = g as f64 + 0.1 + i as f64 * width;
                    Some(Rectangle::new(
                        [(x0, lo), (x0 + width * 0.9, v)],
                        c.filled(),
                    ))
                })
                .collect();
            let values = (loads[i].iter().enumerate()).filter_map(|(g, v)| {
                let v = (*v)?;
                let x = g as f64 + 0.1 + (i as f64 + 0.2) * width;
                Some(Text::new(
                    format!("{v:.1}"),
                    (x, v.max(lo) * 1.15),
                    label_font(),
                ))
            });
            chart.draw_series(values).map_err(&e)?;
            chart
                .draw_series(bars)
                .map_err(&e)?
                .label(p.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], c.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, NAME)?;
        Ok(())
    })
}
