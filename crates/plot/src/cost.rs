//! `cost.png`: cumulative spend over time per policy, with money-guard
//! limits drawn.

use plotters::prelude::*;

use crate::canvas::{draw_err, draw_legend, label_font, legend_line, paint_png, tick, title_font};
use crate::palette::{INK, policy};
use crate::{PlotError, Results, SIZE};

const NAME: &str = "cost.png";

/// Draws the chart.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    paint_png(NAME, SIZE, |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — cumulative spend (mean of {} replications)",
            r.scenario, r.replications
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let x_end = r
            .policies
            .iter()
            .flat_map(|p| p.series.last().map(|pt| pt.t + r.bin_s))
            .fold(r.bin_s, f64::max);
        let spent = r
            .policies
            .iter()
            .flat_map(|p| p.series.iter().map(|pt| pt.cumulative_spend))
            .fold(0.0f64, f64::max);
        // A money guard's limit far above the spend would flatten every
        // curve onto the axis: it is then written, not drawn.
        let limits: Vec<f64> = r.policies.iter().filter_map(|p| p.money_limit).collect();
        let drawn_limit = |l: f64| spent > 0.0 && l <= 5.0 * spent;
        let spend_max = limits
            .iter()
            .copied()
            .filter(|&l| drawn_limit(l))
            .fold(spent, f64::max);
        let y_max = if spend_max > 0.0 {
            spend_max * 1.1
        } else {
            1.0
        };
        // Limits: one line and one label per distinct value (policies
        // sharing a limit are named together), right-aligned; a limit
        // too far above the spend to draw is said in the caption.
        let mut shown: Vec<(f64, Vec<&str>)> = Vec::new();
        for p in &r.policies {
            if let Some(l) = p.money_limit {
                match shown.iter_mut().find(|(v, _)| *v == l) {
                    Some((_, names)) => names.push(&p.name),
                    None => shown.push((l, vec![&p.name])),
                }
            }
        }
        let off_chart: Vec<String> = shown
            .iter()
            .filter(|(l, _)| !drawn_limit(*l))
            .map(|(l, names)| format!("{} daily limit ${l:.2}", names.join(", ")))
            .collect();
        let mut builder = ChartBuilder::on(&root);
        if !off_chart.is_empty() {
            builder.caption(
                format!("{}: far above the spend, not drawn", off_chart.join("; ")),
                label_font(),
            );
        }
        let mut chart = builder
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..x_end, 0f64..y_max)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("virtual time (s)")
            .y_desc("dollars billed so far")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&tick)
            .y_labels(6)
            .y_label_formatter(&|v| dollars_tick(*v, y_max))
            .draw()
            .map_err(&e)?;
        if r.triggered {
            chart
                .draw_series(LineSeries::new(
                    vec![(r.trigger_s, 0.0), (r.trigger_s, y_max)],
                    INK.stroke_width(1),
                ))
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(" trigger at {} s", r.trigger_s),
                    (r.trigger_s, y_max * 0.97),
                    label_font(),
                )))
                .map_err(&e)?;
        }
        for (limit, names) in &shown {
            if !drawn_limit(*limit) {
                continue;
            }
            let text = format!("{} daily limit ${limit:.2}", names.join(", "));
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, *limit), (x_end, *limit)],
                    10,
                    6,
                    INK.stroke_width(1),
                ))
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (x_end * 0.98, limit + y_max * 0.012),
                    label_font().pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Right,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
                )))
                .map_err(&e)?;
        }
        for (i, p) in r.policies.iter().enumerate() {
            let c = policy(i);
            chart
                .draw_series(LineSeries::new(
                    p.series
                        .iter()
                        .map(|pt| (pt.t + r.bin_s, pt.cumulative_spend)),
                    c.stroke_width(3),
                ))
                .map_err(&e)?
                .label(&p.name)
                .legend(legend_line(c));
        }
        // Cumulative curves rise to the right: the lower right stays free.
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, NAME)?;
        Ok(())
    })
}

/// A dollar tick with enough decimals that neighbouring ticks differ:
/// `$0.005`, `$0.010`, … rather than `$0.01` three times.
fn dollars_tick(v: f64, y_max: f64) -> String {
    // Ticks are about a sixth of the axis apart.
    let step = y_max / 6.0;
    let d = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil().max(0.0) as usize + 1
    };
    format!("${v:.d$}")
}

#[cfg(test)]
mod tests {
    use super::dollars_tick;

    #[test]
    fn neighbouring_dollar_ticks_differ() {
        let ticks: Vec<String> = [0.0, 0.004, 0.008, 0.012, 0.016]
            .iter()
            .map(|&v| dollars_tick(v, 0.02))
            .collect();
        let unique: std::collections::BTreeSet<&String> = ticks.iter().collect();
        assert_eq!(unique.len(), ticks.len(), "{ticks:?}");
        assert_eq!(dollars_tick(20.0, 60.0), "$20");
    }
}
