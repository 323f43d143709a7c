//! `latency_cdf.png`: how many successful requests were slower than each
//! latency, per policy, on log axes, so the tail (p99, p99.9) gets as much
//! room as the median. Only successes have a latency: a policy that fails
//! its slow requests looks fast here, and the title says so.

use plotters::prelude::*;

use crate::canvas::{draw_err, draw_legend, label_font, legend_line, paint_png, title_font};
use crate::palette::{GUIDE, policy};
use crate::{PlotError, Results, SIZE};

const NAME: &str = "latency_cdf.png";

/// The bottom of the y axis, in percent: one success in 10 000 (p99.99).
const FLOOR: f64 = 0.01;

/// The percentile a share (in percent) of slower successes marks: 50 → p50,
/// 1 → p99, 0.1 → p99.9.
fn percentile_name(slower: f64) -> String {
    let p = 100.0 - slower;
    let s = format!("{p:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("p{s}")
}

/// A y tick: powers of ten only, with the percentile they mark.
fn y_tick(v: &f64) -> String {
    let e = v.log10();
    if (e - e.round()).abs() > 1e-9 {
        return String::new();
    }
    if *v >= 100.0 {
        return "100 %".into();
    }
    let d = (-e.round()).max(0.0) as usize;
    format!("{v:.d$} % ({})", percentile_name(*v))
}

/// The steps of one policy's curve: share of successes (percent) slower
/// than each bucket bound, from the CDF `(bound, at or below)`; it ends on
/// the floor where fewer than [`FLOOR`] % of successes were slower.
fn exceedance(cdf: &[(f64, f64)], hi: f64) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(2 * cdf.len() + 2);
    let mut prev: f64 = 100.0;
    for &(x, y) in cdf.iter().filter(|c| c.0 > 0.0) {
        // Rounding leaves 1e-16 where nothing is slower: that is zero.
        let slower = (100.0 * (1.0 - y)).max(0.0);
        let slower = if slower < 1e-9 { 0.0 } else { slower };
        pts.push((x, prev.max(FLOOR)));
        pts.push((x, slower.max(FLOOR)));
        prev = slower;
        // Below the floor the axis cannot show it: the curve ends there.
        if slower < FLOOR {
            return pts;
        }
    }
    pts.push((hi, prev.max(FLOOR)));
    pts
}

/// Draws the chart.
pub fn render(r: &Results) -> Result<Vec<u8>, PlotError> {
    paint_png(NAME, SIZE, |root| {
        let e = draw_err(NAME);
        let title = format!(
            "{} — latency of successes (a request that failed has none)",
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
            .y_label_area_size(170)
            .build_cartesian_2d((lo..hi).log_scale(), (FLOOR..100f64).log_scale())
            .map_err(&e)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("latency, arrival to success (s, log scale)")
            .y_desc("successes slower than this (log scale)")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .x_label_formatter(&|v| {
                if *v >= 1.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.2}")
                }
            })
            .y_label_formatter(&y_tick)
            .draw()
            .map_err(&e)?;
        for q in [50.0, 1.0] {
            chart
                .draw_series(LineSeries::new(
                    vec![(lo, q), (hi, q)],
                    GUIDE.stroke_width(1),
                ))
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    percentile_name(q),
                    (lo * 1.05, q * 1.12),
                    label_font(),
                )))
                .map_err(&e)?;
        }
        for (i, p) in r.policies.iter().enumerate() {
            let c = policy(i);
            chart
                .draw_series(LineSeries::new(exceedance(&p.cdf, hi), c.stroke_width(3)))
                .map_err(&e)?
                .label(&p.name)
                .legend(legend_line(c));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft, NAME)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_named_by_the_share_slower() {
        assert_eq!(percentile_name(50.0), "p50");
        assert_eq!(percentile_name(1.0), "p99");
        assert_eq!(percentile_name(0.1), "p99.9");
        assert_eq!(percentile_name(0.01), "p99.99");
        assert_eq!(y_tick(&10.0), "10 % (p90)");
        assert_eq!(y_tick(&0.1), "0.1 % (p99.9)");
        assert_eq!(y_tick(&100.0), "100 %");
        assert_eq!(y_tick(&20.0), "");
    }

    #[test]
    fn the_curve_steps_down_to_the_floor_where_nothing_is_slower() {
        let cdf = [(0.5, 0.5), (1.0, 0.99), (2.0, 1.0 - 1e-17), (4.0, 1.0)];
        let pts = exceedance(&cdf, 8.0);
        assert_eq!(pts[0], (0.5, 100.0));
        assert_eq!(pts[1], (0.5, 50.0));
        assert!((pts[3].1 - 1.0).abs() < 1e-9, "{pts:?}");
        assert_eq!(*pts.last().unwrap(), (2.0, FLOOR));
    }
}
