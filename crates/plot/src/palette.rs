//! Colours: one per policy, the same in every chart (Tableau 10, which stays
//! distinguishable for most colour-vision deficiencies).

use plotters::style::RGBColor;

const TABLEAU10: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0x79, 0x70, 0x6E),
];

/// The colour of policy number `i` (in scenario order).
pub fn policy(i: usize) -> RGBColor {
    TABLEAU10[i % TABLEAU10.len()]
}

/// Light grey for guides (thresholds, grids).
pub const GUIDE: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Very light grey for shaded trigger windows.
pub const SHADE: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// Near-black for text and the trigger line.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
