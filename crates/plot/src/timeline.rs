//! `timeline.png`: attempt rate and failed-attempt share over time, per
//! policy, with the trigger (or the triggers' windows, shaded) and each
//! policy's error recovery marked; policies judged metastable say so in the
//! legend.

use plotters::prelude::*;
use retrysim_model::Metric;

use crate::canvas::{
    caption_font, draw_err, draw_legend, label_font, legend_line, paint_png, shade_windows, tick,
    title_font,
};
use crate::palette::{GUIDE, INK, SHADE, policy};
use crate::{PlotError, Results, SIZE};

const NAME: &str = "timeline.png";

/// Draws the chart.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    paint_png(NAME, SIZE, |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — attempts and failures over time ({} replications, mean)",
            r.scenario, r.replications
        );
        let root = root.titled(&title, title_font()).map_err(&e)?;
        let (upper, lower) = root.split_vertically(root.dim_in_pixel().1 / 2);
        let x_end = r.active_until() * 1.03;
        let rate = |a: f64| a / r.bin_s;
        let y_max = r
            .policies
            .iter()
            .flat_map(|p| p.series.iter().map(|pt| rate(pt.attempts)))
            .fold(1.0f64, f64::max)
            * 1.08;

        // Upper panel: attempts per second.
        let mut chart = ChartBuilder::on(&upper)
            .caption("attempts sent per second", caption_font())
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..x_end, 0f64..y_max)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("virtual time (s)")
            .y_desc("attempts / s")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&tick)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(&e)?;
        // Without a trigger there is no moment to mark, nor recovery.
        if r.triggered && r.triggers.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    vec![(r.trigger_s, 0.0), (r.trigger_s, y_max)],
                    INK.stroke_width(2),
                ))
                .map_err(&e)?
                .label(format!("trigger at {} s", r.trigger_s))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], INK.stroke_width(2)));
        } else {
            for (k, (_, a, b)) in r.triggers.iter().enumerate() {
                let shaded = chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(*a, 0.0), (*b, y_max)],
                        SHADE.filled(),
                    )))
                    .map_err(&e)?;
                if k == 0 {
                    let what: Vec<String> = r
                        .triggers
                        .iter()
                        .map(|(kind, a, b)| format!("{kind} {a}–{b} s"))
                        .collect();
                    shaded.label(what.join(", ")).legend(|(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 24, y + 6)], SHADE.filled())
                    });
                }
            }
        }
        for (i, p) in r.policies.iter().enumerate() {
            let c = policy(i);
            let metastable = p.figure(Metric::Metastable).mean.filter(|m| *m > 0.0);
            let label = match metastable {
                Some(m) if m >= 1.0 => format!("{} — metastable", p.name),
                Some(m) => format!("{} — metastable in {:.0} % of runs", p.name, 100.0 * m),
                None => p.name.clone(),
            };
            chart
                .draw_series(LineSeries::new(
                    p.series
                        .iter()
                        .filter(|pt| pt.t <= x_end)
                        .map(|pt| (pt.t, rate(pt.attempts))),
                    c.stroke_width(width(i, r.policies.len())),
                ))
                .map_err(&e)?
                .label(label)
                .legend(legend_line(c));
        }
        // Requests arriving, when every policy saw the same (open and batch
        // workloads): the load the workload alone offers.
        let first = r.policies.first().map(|p| &p.series);
        if let Some(first) = first
            && r.policies.iter().all(|p| same_arrivals(&p.series, first))
        {
            chart
                .draw_series(DashedLineSeries::new(
                    first
                        .iter()
                        .filter(|pt| pt.t <= x_end)
                        .map(|pt| (pt.t, rate(pt.arrivals))),
                    8,
                    5,
                    INK.stroke_width(2),
                ))
                .map_err(&e)?
                .label("requests arriving (offered load)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 10, y)], INK.stroke_width(2)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, NAME)?;

        // Lower panel: share of attempts that failed, with recovery marks.
        let mut chart = ChartBuilder::on(&lower)
            .caption(
                if r.triggered {
                    "share of attempts sent that failed (429, 503, timeout, …); ▮ marks each policy's error recovery"
                } else {
                    "share of attempts sent that failed (429, 503, timeout, …)"
                },
                caption_font(),
            )
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..x_end, 0f64..100f64)
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("virtual time (s)")
            .y_desc("failed attempts (%)")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .draw()
            .map_err(&e)?;
        let th = 100.0 * r.threshold;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, th), (x_end, th)],
                GUIDE.stroke_width(1),
            ))
            .map_err(&e)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{th:.0} % threshold"),
                (x_end * 0.995 - x_end * 0.09, th + 2.0),
                label_font(),
            )))
            .map_err(&e)?;
        if r.triggered && r.triggers.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    vec![(r.trigger_s, 0.0), (r.trigger_s, 100.0)],
                    INK.stroke_width(2),
                ))
                .map_err(&e)?;
        }
        shade_windows(&mut chart, &r.triggers, 100.0, NAME)?;
        for (i, p) in r.policies.iter().enumerate() {
            let c = policy(i);
            // Break the line where a bin sent nothing.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut runs = Vec::new();
            for pt in p.series.iter().filter(|pt| pt.t <= x_end) {
                match pt.failed_share {
                    Some(s) => run.push((pt.t, 100.0 * s)),
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                    None => {}
                }
            }
            runs.push(run);
            for run in runs {
                chart
                    .draw_series(LineSeries::new(
                        run,
                        c.stroke_width(width(i, r.policies.len())),
                    ))
                    .map_err(&e)?;
            }
            if let Some(rec) = p
                .figure(Metric::ErrorRecoveryS)
                .mean
                .filter(|_| r.triggered)
            {
                let x = r.trigger_s + rec;
                // A short bar standing on the axis where the policy recovered.
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - x_end * 0.002, 0.0), (x + x_end * 0.002, 14.0)],
                        c.filled(),
                    )))
                    .map_err(&e)?;
            }
        }
        Ok(())
    })
}

/// Whether two series have the same arrivals bin by bin.
fn same_arrivals(a: &[crate::results::Point], b: &[crate::results::Point]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.arrivals == y.arrivals)
}

/// Line width of policy `i` of `n`: earlier policies are drawn wider, so a
/// policy whose line coincides with a later one still shows around it.
fn width(i: usize, n: usize) -> u32 {
    if n <= 1 {
        2
    } else {
        2 + ((n - 1 - i) * 3).div_ceil(n - 1) as u32
    }
}
