//! The progress bar of the commands that read many targets (`audit`,
//! `report`): on stderr, and hidden when stderr is not a terminal, so logs,
//! pipes and tests see only the output.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// One progress bar whose length grows as targets become known.
pub fn progress_bar(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let template = format!("{{spinner}} {what} {{pos}}/{{len}} [{{bar:30}}] {{elapsed}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
