//! `latency_cdf.png`: end-to-end latency CDF of successful requests per
//! policy, on a log time axis.

use plotters::prelude::*;

use crate::canvas::{draw_err, draw_legend, label_font, legend_line, paint_png, title_font};
use crate::palette::{GUIDE, policy};
use crate::{PlotError, Results, SIZE};

const NAME: &str = "latency_cdf.png";

/// Draws the chart.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    paint_png(NAME, SIZE, |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — latency of successful requests, arrival to success",
            r.scenario
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let xs = r
            .policies
            .iter()
            .flat_map(|p| p.cdf.iter().map(|c| c.0))
            .filter(|&x| x > 0.0);
        let (lo, hi) = xs.fold((f64::MAX, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (lo, hi) = if hi > 0.0 {
            (lo / 1.5, hi * 1.5)
        } else {
            (0.001, 1.0)
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..100f64)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("latency (s, log scale)")
            .y_desc("successful requests at or below (%)")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&|v| {
                if *v >= 1.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.2}")
                }
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(&e)?;
        for q in [50.0, 99.0] {
            chart
                .draw_series(LineSeries::new(
                    vec![(lo, q), (hi, q)],
                    GUIDE.stroke_width(1),
                ))
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("p{q:.0}"),
                    (lo * 1.05, q + 1.5),
                    label_font(),
                )))
                .map_err(&e)?;
        }
        for (i, p) in r.policies.iter().enumerate() {
            let c = policy(i);
            // A step function: flat until each bucket's upper bound.
            let mut pts = Vec::with_capacity(2 * p.cdf.len() + 1);
            let mut prev = 0.0;
            for &(x, y) in p.cdf.iter().filter(|c| c.0 > 0.0) {
                pts.push((x, 100.0 * prev));
                pts.push((x, 100.0 * y));
                prev = y;
            }
            pts.push((hi, 100.0 * prev));
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(3)))
                .map_err(&e)?
                .label(&p.name)
                .legend(legend_line(c));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, NAME)?;
        Ok(())
    })
}
