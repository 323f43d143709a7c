//! A white RGB canvas, the embedded font, and PNG encoding.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::PlotError;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the embedded font as "sans-serif" (once per process).
fn register_font() {
    REGISTER.call_once(|| {
        // The font is ours and valid; a failure would be a build defect.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("embedded DejaVu Sans does not parse"));
        plotters::style::register_font("sans-serif", FontStyle::Bold, FONT)
            .unwrap_or_else(|_| panic!("embedded DejaVu Sans does not parse"));
    });
}

/// Turns any drawing error into a [`PlotError`] naming the chart.
pub fn draw_err<E: std::fmt::Debug>(chart: &'static str) -> impl Fn(E) -> PlotError {
    move |e| PlotError::Draw {
        chart,
        message: format!("{e:?}"),
    }
}

/// Draws on a white `size` canvas with `paint` and returns the PNG bytes.
pub fn paint_png(
    chart: &'static str,
    size: (u32, u32),
    paint: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), PlotError>,
) -> Result<Vec<u8>, PlotError> {
    register_font();
    let (w, h) = size;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err(chart))?;
        paint(&root)?;
        root.present().map_err(draw_err(chart))?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(draw_err(chart))?;
        writer.write_image_data(&rgb).map_err(draw_err(chart))?;
    }
    Ok(png_bytes)
}

/// The chart title font.
pub fn title_font() -> TextStyle<'static> {
    ("sans-serif", 30).into_font().color(&crate::palette::INK)
}

/// Axis-label and legend font.
pub fn label_font() -> TextStyle<'static> {
    ("sans-serif", 20).into_font().color(&crate::palette::INK)
}

/// Panel caption font.
pub fn caption_font() -> TextStyle<'static> {
    ("sans-serif", 24).into_font().color(&crate::palette::INK)
}

/// An axis tick: no useless decimals (`20`, `2.5`, `0.25`).
pub fn tick(v: &f64) -> String {
    let a = v.abs();
    if a >= 10.0 || (v.fract() == 0.0) {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The colour key of a chart's series, in a white box at `position`.
pub fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    chart_name: &'static str,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .label_font(label_font())
        .background_style(WHITE.mix(0.85))
        .border_style(crate::palette::GUIDE)
        .position(position)
        .draw()
        .map_err(draw_err(chart_name))
}

/// Shades each trigger window `(kind, start, end)` over the chart's full
/// height `0..y_max`, one series per window.
pub fn shade_windows<'a, DB>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    windows: &[(String, f64, f64)],
    y_max: f64,
    chart_name: &'static str,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
{
    for (_, a, b) in windows {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(*a, 0.0), (*b, y_max)],
                crate::palette::SHADE.filled(),
            )))
            .map_err(draw_err(chart_name))?;
    }
    Ok(())
}

/// A legend entry: a short thick line in `colour`.
pub fn legend_line(colour: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(4))
}

/// A colour key as one centred row of swatches and labels across `area`
/// (for charts whose plot has no free corner for a legend box).
pub fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(&str, RGBColor)],
    chart_name: &'static str,
) -> Result<(), PlotError> {
    let font = label_font();
    let e = draw_err(chart_name);
    let widths: Vec<i32> = entries
        .iter()
        .map(|(label, _)| {
            let (w, _) = area.estimate_text_size(label, &font).unwrap_or((0, 0));
            w as i32 + 24 + 8 + 28
        })
        .collect();
    let (w, h) = area.dim_in_pixel();
    let mut x = (w as i32 - widths.iter().sum::<i32>()).max(0) / 2;
    let y = h as i32 / 2;
    for ((label, colour), width) in entries.iter().zip(widths) {
        area.draw(&Rectangle::new(
            [(x, y - 8), (x + 24, y + 8)],
            colour.filled(),
        ))
        .map_err(&e)?;
        area.draw(&Text::new(
            label.to_string(),
            (x + 32, y),
            font.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))
        .map_err(&e)?;
        x += width;
    }
    Ok(())
}
