//! The readiness check of audit intake, one step per thing that must work, without consuming
//! anything:
//!
//! - `queue`: `GetQueueUrl` in the region given (a queue found in another region is
//!   `WrongDomainOrRegion` naming it);
//! - `receive`: a `ReceiveMessage` that peeks (`VisibilityTimeout` 0, no wait, up to ten
//!   messages);
//! - `read_object`: `GetObject` of the log file the peeked message names (SSE-KMS without
//!   `kms:Decrypt` is told apart from a bucket refusal), and `same_region`: the bucket's
//!   region is the queue's;
//! - `delete`: a `DeleteMessage` with a receipt handle no queue issued: `ReceiptHandleIsInvalid`
//!   means allowed, a refusal means messages are never deleted (a note, not a failure).

use multicloud_core::audit::{AuditCheck, AuditStep, StepStatus};
use multicloud_core::{Error, ErrorKind, Result};

use crate::onboard::AUDIT_LOG_POLICY;

use super::notification::{self, Notification, ObjectRef};
use super::{cloudtrail, object, queue, sqs, AwsAuditSource};

/// A receipt handle no queue issued: deleting it is refused for want of permission, or
/// answered `ReceiptHandleIsInvalid`, and never deletes anything.
const PROBE_RECEIPT: &str = "multicloud-permission-probe";

pub(super) async fn run(source: &AwsAuditSource) -> Result<AuditCheck> {
    let mut check = AuditCheck::new(format!("aws {}/{}", source.region, source.queue));
    let client = &source.client;
    let queue_url = match queue::resolve(client, &source.region, &source.queue).await {
        Ok(url) => {
            check.push(AuditStep::new("queue", StepStatus::Ok));
            url
        }
        Err(e) => {
            check.push(AuditStep::failed("queue", &e, queue_fix(&e, source)));
            for name in ["receive", "read_object", "delete"] {
                check.push(skipped(name, "the queue was not found"));
            }
            return Ok(check);
        }
    };
    source.lock().queue_url = Some(queue_url.clone());
    let peek = sqs::ReceiveRequest {
        max_messages: 10,
        wait_seconds: 0,
        visibility_timeout: Some(0),
    };
    match sqs::receive(client, &source.sqs, &queue_url, peek).await {
        Ok(messages) => {
            check.push(AuditStep::new("receive", StepStatus::Ok));
            // The first log-file notification among them (S3's test event may come first).
            let objects = messages
                .iter()
                .find_map(|m| match notification::parse(&m.body) {
                    Notification::Objects(objects) if !objects.is_empty() => Some(objects),
                    _ => None,
                })
                .unwrap_or_default();
            read_object(source, &objects, &mut check).await;
        }
        Err(e) => {
            let fix = match e.kind() {
                ErrorKind::PermissionDenied => format!(
                    "grant sqs:ReceiveMessage on the queue (the {AUDIT_LOG_POLICY} policy the \
                     quick configuration prints)"
                ),
                _ => fix_for(&e),
            };
            check.push(AuditStep::failed("receive", &e, fix));
            check.push(skipped("read_object", "receiving failed"));
        }
    }
    let delete = sqs::delete(client, &source.sqs, &queue_url, PROBE_RECEIPT).await;
    let status = match delete {
        Ok(()) => StepStatus::Ok,
        Err(e) if e.kind() == ErrorKind::PermissionDenied => StepStatus::Note {
            message: "sqs:DeleteMessage is not granted (the onboarding guide grants only \
                      GetQueueUrl and ReceiveMessage): handled messages stay in the queue and \
                      come back after every visibility timeout until the queue's retention \
                      ends; the checkpoint keeps them from being handed over twice. Grant \
                      sqs:DeleteMessage on the queue to empty it as logs are read."
                .into(),
        },
        Err(e) if e.code() == Some("ReceiptHandleIsInvalid") || e.kind() == ErrorKind::Service => {
            StepStatus::Ok
        }
        Err(e) => StepStatus::Failed {
            kind: e.kind(),
            message: e.to_string(),
            fix: fix_for(&e),
        },
    };
    check.push(AuditStep::new("delete", status));
    Ok(check)
}

/// Reads the log object a peeked message names, if any.
async fn read_object(source: &AwsAuditSource, objects: &[ObjectRef], check: &mut AuditCheck) {
    let Some(first) = objects.first() else {
        check.push(skipped(
            "read_object",
            "no log-file notification is waiting in the queue; reading is checked once \
             CloudTrail has delivered a file",
        ));
        return;
    };
    if let Some(region) = first.region.as_deref().filter(|r| *r != source.region) {
        check.push(AuditStep::new(
            "same_region",
            StepStatus::Failed {
                kind: ErrorKind::WrongDomainOrRegion,
                message: format!(
                    "the trail's bucket is in {region}, the queue in {}",
                    source.region
                ),
                fix: "keep the trail's bucket and the queue in one region".into(),
            },
        ));
    } else {
        check.push(AuditStep::new("same_region", StepStatus::Ok));
    }
    let entry = first.entry();
    let step = match object::get(&source.client, first, &source.region).await {
        Ok(body) => match cloudtrail::parse(&body, &entry) {
            Ok(_) => AuditStep::new("read_object", StepStatus::Ok),
            Err(e) => AuditStep::new(
                "read_object",
                StepStatus::Note {
                    message: format!("the object was read but is not a CloudTrail log file: {e}"),
                },
            ),
        },
        Err(e) if object::is_kms_refusal(&e) => {
            AuditStep::failed("read_object", &e, object::KMS_FIX)
        }
        Err(e) => {
            let fix = e.hint().map(str::to_owned).unwrap_or_else(|| fix_for(&e));
            AuditStep::failed("read_object", &e, fix)
        }
    };
    check.push(step);
}

fn skipped(name: &str, reason: &str) -> AuditStep {
    AuditStep::new(
        name,
        StepStatus::NotChecked {
            reason: reason.into(),
        },
    )
}

fn queue_fix(error: &Error, source: &AwsAuditSource) -> String {
    match error.kind() {
        ErrorKind::NotFound | ErrorKind::WrongDomainOrRegion => error
            .hint()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("check the queue name {:?} and its region", source.queue)),
        ErrorKind::PermissionDenied => "grant sqs:GetQueueUrl on the queue".into(),
        _ => fix_for(error),
    }
}

/// The generic fix for a failure: the error's own hint, else its kind's advice.
fn fix_for(error: &Error) -> String {
    error
        .hint()
        .or_else(|| error.kind().advice())
        .unwrap_or("see the error")
        .to_owned()
}
