//! What an attempt costs: token counts per request times prices.

use retrysim_engine::SimRng;
use serde::{Deserialize, Serialize};

use crate::distribution::Duration;
use crate::scenario::error::Errors;
use crate::scenario::values::{DurationSpec, within};

/// What an attempt costs, as written in a scenario (prices per million
/// tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    /// Input (prompt) tokens per request, as a distribution (use
    /// `{"kind": "constant", "value": N}` for a fixed count).
    pub input_tokens: DurationSpec,
    /// Output (completion) tokens per request.
    pub output_tokens: DurationSpec,
    /// Dollars per million input tokens.
    pub price_in: f64,
    /// Dollars per million output tokens.
    pub price_out: f64,
}

impl CostSpec {
    /// Validates token counts and prices.
    pub(crate) fn compile(&self, errs: &mut Errors) -> CostModel {
        CostModel {
            input_tokens: self.input_tokens.compile_amount(errs, "cost.input_tokens"),
            output_tokens: self
                .output_tokens
                .compile_amount(errs, "cost.output_tokens"),
            price_in: within(errs, "cost.price_in", self.price_in, 0.0, 1e6),
            price_out: within(errs, "cost.price_out", self.price_out, 0.0, 1e6),
        }
    }
}

/// Token counts per request and prices per million tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct CostModel {
    /// Input tokens (sampled as a plain number).
    pub input_tokens: Duration,
    /// Output tokens.
    pub output_tokens: Duration,
    /// Dollars per million input tokens.
    pub price_in: f64,
    /// Dollars per million output tokens.
    pub price_out: f64,
}

impl CostModel {
    /// The dollars one served attempt of a new request costs (a request's
    /// retries carry the same tokens, so this is drawn once per request).
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        let tin = self.input_tokens.sample_value(rng).round();
        let tout = self.output_tokens.sample_value(rng).round();
        (tin * self.price_in + tout * self.price_out) / 1e6
    }

    /// The mean cost of an attempt.
    pub fn mean(&self) -> f64 {
        (self.input_tokens.mean_secs() * self.price_in
            + self.output_tokens.mean_secs() * self.price_out)
            / 1e6
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retrysim_engine::stream;

    #[test]
    fn fixed_tokens_cost_exactly_their_price() {
        // Seed 000: 250 output tokens at $8/M = $0.002 per call.
        let c = CostModel {
            input_tokens: Duration::Constant(0),
            output_tokens: Duration::Constant(250_000_000_000),
            price_in: 2.0,
            price_out: 8.0,
        };
        let mut rng = stream(1, 0, 6);
        assert_eq!(c.sample(&mut rng), 0.002);
        assert_eq!(c.mean(), 0.002);
    }
}
