//! Progress bars on stderr: drawn only on a terminal and without --quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `total` `unit`s labelled `message`, with rate and ETA; hidden
/// when `quiet` (indicatif also hides it when stderr is not a terminal).
pub fn bar(total: u64, unit: &str, message: String, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = format!(
        "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit}, {{per_sec}}, {{elapsed}} elapsed, ETA {{eta}}"
    );
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}
