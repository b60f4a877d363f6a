//! Whether an audit-log source is ready: one named step per thing that must work (the queue
//! exists in that region, receiving is allowed, log objects are readable, …), each failure
//! with what to do about it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// How one step of an [`AuditCheck`] went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepStatus {
    /// It works.
    Ok,
    /// It works, with something the user should know (e.g. messages are never deleted).
    Note {
        /// What to know.
        message: String,
    },
    /// It does not work; intake cannot run until it is fixed.
    Failed {
        /// The classified failure.
        kind: ErrorKind,
        /// What happened.
        message: String,
        /// What to do.
        fix: String,
    },
    /// It could not be checked (nothing to check it on yet, or an earlier step failed).
    NotChecked {
        /// Why.
        reason: String,
    },
}

/// One step of an [`AuditCheck`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditStep {
    /// What was checked (`queue`, `receive`, `read_object`, `delete`, …).
    pub name: String,
    /// How it went.
    pub status: StepStatus,
}

impl AuditStep {
    /// A step named `name` that went `status`.
    pub fn new(name: impl Into<String>, status: StepStatus) -> Self {
        AuditStep {
            name: name.into(),
            status,
        }
    }

    /// A step that failed with `error` (its message, code and action; the fix is given
    /// apart); `fix` says what to do.
    pub fn failed(name: impl Into<String>, error: &Error, fix: impl Into<String>) -> Self {
        let mut message = error.message().to_owned();
        if let Some(code) = error.code() {
            message.push_str(&format!(" ({code})"));
        }
        if let Some(action) = error.action() {
            message.push_str(&format!(" [{action}]"));
        }
        AuditStep::new(
            name,
            StepStatus::Failed {
                kind: error.kind(),
                message,
                fix: fix.into(),
            },
        )
    }
}

/// The readiness of one audit-log source, step by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditCheck {
    /// The source checked (`aws us-east-1/trail-events`).
    pub source: String,
    /// The steps, in the order they were checked.
    pub steps: Vec<AuditStep>,
}

impl AuditCheck {
    /// A check of `source` with no step yet.
    pub fn new(source: impl Into<String>) -> Self {
        AuditCheck {
            source: source.into(),
            steps: Vec::new(),
        }
    }

    /// Adds a step.
    pub fn push(&mut self, step: AuditStep) {
        self.steps.push(step);
    }

    /// The step named `name`, if checked.
    pub fn step(&self, name: &str) -> Option<&StepStatus> {
        self.steps
            .iter()
            .find(|s| s.name == name)
            .map(|s| &s.status)
    }

    /// Whether no step failed.
    pub fn is_ready(&self) -> bool {
        !self
            .steps
            .iter()
            .any(|s| matches!(s.status, StepStatus::Failed { .. }))
    }
}

impl fmt::Display for AuditCheck {
    /// One line per step: `✓ queue`, `! delete: note`, `✗ receive: message (fix: …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "audit-log source {}", self.source)?;
        for step in &self.steps {
            match &step.status {
                StepStatus::Ok => writeln!(f, "  ok       {}", step.name)?,
                StepStatus::Note { message } => writeln!(f, "  note     {}: {message}", step.name)?,
                StepStatus::Failed { kind, message, fix } => writeln!(
                    f,
                    "  FAILED   {} ({}): {message}\n           fix: {fix}",
                    step.name,
                    kind.as_str()
                )?,
                StepStatus::NotChecked { reason } => {
                    writeln!(f, "  skipped  {}: {reason}", step.name)?
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_makes_the_check_not_ready_and_prints_its_fix() {
        let mut check = AuditCheck::new("aws us-east-1/q");
        check.push(AuditStep::new("queue", StepStatus::Ok));
        check.push(AuditStep::new(
            "delete",
            StepStatus::Note {
                message: "not allowed".into(),
            },
        ));
        assert!(check.is_ready());
        let err = Error::new(ErrorKind::PermissionDenied, "no receive");
        check.push(AuditStep::failed(
            "receive",
            &err,
            "grant sqs:ReceiveMessage",
        ));
        assert!(!check.is_ready());
        assert!(matches!(check.step("queue"), Some(StepStatus::Ok)));
        let text = check.to_string();
        assert!(text.contains("fix: grant sqs:ReceiveMessage"), "{text}");
        assert!(text.contains("permission_denied"), "{text}");
    }
}
