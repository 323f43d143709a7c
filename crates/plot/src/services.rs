//! `services.png`: a call graph's per-service timeline — for every
//! service, the attempts sent to it per second (the entry's by the
//! workload, any other's by its callers) and the share of them that failed,
//! per policy, with the triggers' windows shaded. Drawn only for scenarios
//! whose services call services.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::canvas::{
    caption_font, draw_err, draw_legend, label_font, legend_line, paint_png, shade_windows, tick,
    title_font,
};
use crate::palette::policy;
use crate::{PlotError, Results};

/// The chart's file name.
pub const NAME: &str = "services.png";

/// Which of a service's two panels.
#[derive(Clone, Copy, PartialEq)]
enum Panel {
    Rate,
    Failed,
}

/// Draws the chart; a run without a call graph has no services to draw.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    let names: Vec<&str> = match r.policies.first() {
        Some(p) if !p.tiers.is_empty() => p.tiers.iter().map(|(n, _)| n.as_str()).collect(),
        _ => {
            return Err(PlotError::Missing {
                chart: NAME,
                what: "per-service series (the scenario has no call graph)",
            });
        }
    };
    let height = (120 + 380 * names.len() as u32).min(4000);
    paint_png(NAME, (1600, height), |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — every service over time: attempts sent to it and the share that failed ({} replications, mean)",
            r.scenario, r.replications
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let cells = root.split_evenly((names.len(), 2));
        for (s, name) in names.iter().enumerate() {
            for (k, panel) in [Panel::Rate, Panel::Failed].into_iter().enumerate() {
                draw_panel(r, s, name, panel, &cells[2 * s + k])?;
            }
        }
        Ok(())
    })
}

fn draw_panel(
    r: &Results,
    s: usize,
    name: &str,
    panel: Panel,
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
) -> Result<(), PlotError> {
    let e = draw_err(NAME);
    let x_end = r.active_until() * 1.03;
    let value = |row: &retrysim_experiment::stored::TierRow| match panel {
        Panel::Rate => Some(row.attempts / r.bin_s),
        Panel::Failed => row.attempt_error_share.map(|x| 100.0 * x),
    };
    let y_max = match panel {
        Panel::Rate => {
            (r.policies.iter())
                .filter_map(|p| p.tiers.get(s))
                .flat_map(|(_, rows)| rows.iter().filter_map(value))
                .fold(1.0f64, f64::max)
                * 1.08
        }
        Panel::Failed => 100.0,
    };
    let caption = match panel {
        Panel::Rate => format!("{name}: attempts sent to it per second"),
        Panel::Failed => format!("{name}: share of those attempts that failed"),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, caption_font())
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_end, 0f64..y_max)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("virtual time (s)")
        .y_desc(if panel == Panel::Rate {
            "attempts / s"
        } else {
            "failed (%)"
        })
        .label_style(label_font())
        .axis_desc_style(label_font())
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(&e)?;
    shade_windows(&mut chart, &r.triggers, y_max, NAME)?;
    for (i, p) in r.policies.iter().enumerate() {
        let Some((_, rows)) = p.tiers.get(s) else {
            continue;
        };
        let c = policy(i);
        // A bin with no attempt has no failed share: the line breaks there.
        let points: Vec<(f64, f64)> = (rows.iter())
            .filter(|row| row.start_s <= x_end)
            .filter_map(|row| value(row).map(|v| (row.start_s, v)))
            .collect();
        let series = chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(&e)?;
        if s == 0 && panel == Panel::Rate {
            series.label(p.name.clone()).legend(legend_line(c));
        }
    }
    if s == 0 && panel == Panel::Rate {
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, NAME)?;
    }
    Ok(())
}
