//! How a command ends: failures, exit codes, and the progress line while it runs.

use super::*;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The user asked for something that cannot be (exit 2).
    Usage(String),
    /// The SDK failed (exit 2 for configuration errors, else 1).
    Sdk(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sdk(e)
    }
}

/// The result of a command: an exit code, or why it failed.
pub(crate) type Outcome = Result<u8, Failure>;

/// Prints a failure as the user should read it and returns its exit code.
pub(crate) fn exit(outcome: Outcome) -> ExitCode {
    let code = match outcome {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
        Err(Failure::Sdk(e)) => {
            print::error(&e);
            match e.kind() {
                ErrorKind::Config | ErrorKind::CredentialNotConfigured => EXIT_USAGE,
                _ => EXIT_FAILURE,
            }
        }
    };
    ExitCode::from(code)
}

/// The progress line: a spinner on stderr while a call is out, only on a terminal.
#[derive(Debug)]
pub(crate) struct Ui {
    bar: ProgressBar,
}

impl Ui {
    /// A progress line, hidden when `quiet` or when stderr is not a terminal.
    pub(crate) fn new(global: &Global) -> Self {
        let visible = !global.quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Ui { bar }
    }

    /// Shows `what` while `work` runs.
    pub(crate) async fn wait<T>(
        &self,
        what: impl Into<String>,
        work: impl Future<Output = T>,
    ) -> T {
        self.bar.set_message(what.into());
        self.bar.reset_elapsed();
        work.await
    }

    /// Prints `line` on stderr without tearing the progress line.
    pub(crate) fn note(&self, line: impl std::fmt::Display) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Removes the progress line before results are printed.
    pub(crate) fn done(&self) {
        self.bar.finish_and_clear();
    }
}
