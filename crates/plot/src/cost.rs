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
        let spend_max = r
            .policies
            .iter()
            .flat_map(|p| p.series.iter().map(|pt| pt.cumulative_spend))
            .chain(r.policies.iter().filter_map(|p| p.money_limit))
            .fold(0.0f64, f64::max);
        let y_max = if spend_max > 0.0 {
            spend_max * 1.1
        } else {
            1.0
        };
        let mut chart = ChartBuilder::on(&root)
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
            .y_label_formatter(&|v| {
                if y_max >= 10.0 {
                    format!("${v:.0}")
                } else {
                    format!("${v:.2}")
                }
            })
            .draw()
            .map_err(&e)?;
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
            if let Some(limit) = p.money_limit {
                chart
                    .draw_series(LineSeries::new(
                        vec![(0.0, limit), (x_end, limit)],
                        c.stroke_width(1),
                    ))
                    .map_err(&e)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{} daily limit ${limit:.0}", p.name),
                        (x_end * 0.02, limit + y_max * 0.012),
                        label_font(),
                    )))
                    .map_err(&e)?;
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, NAME)?;
        Ok(())
    })
}
