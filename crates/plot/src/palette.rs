//! Colours: one per policy, the same in every chart. The first seven are
//! Paul Tol's "bright" and "vibrant" qualitative colours, chosen so that
//! neighbours in a legend differ in hue and lightness (no red beside pink, no
//! teal beside green) and stay apart for the common colour-vision
//! deficiencies; the last three only appear with eight or more policies.

use plotters::style::RGBColor;

const QUALITATIVE: [RGBColor; 10] = [
    RGBColor(0x44, 0x77, 0xAA), // blue
    RGBColor(0xEE, 0x77, 0x33), // orange
    RGBColor(0x22, 0x88, 0x33), // green
    RGBColor(0xCC, 0x33, 0x11), // red
    RGBColor(0x66, 0xCC, 0xEE), // cyan
    RGBColor(0xAA, 0x33, 0x77), // purple
    RGBColor(0xCC, 0xBB, 0x44), // yellow
    RGBColor(0x99, 0x66, 0x33), // brown
    RGBColor(0xEE, 0x33, 0x77), // magenta
    RGBColor(0x77, 0x77, 0x77), // grey
];

/// The colour of policy number `i` (in scenario order).
pub fn policy(i: usize) -> RGBColor {
    QUALITATIVE[i % QUALITATIVE.len()]
}

/// Light grey for guides (thresholds, grids).
pub const GUIDE: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Very light grey for shaded trigger windows.
pub const SHADE: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// Near-black for text and the trigger line.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
