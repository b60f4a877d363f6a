//! The three SQS calls audit intake makes, in SQS's JSON protocol (awsJson1.0, providers.md
//! §1.0): `POST /` to `sqs.{region}.amazonaws.com`, `X-Amz-Target: AmazonSQS.{Action}`,
//! `Content-Type: application/x-amz-json-1.0`. Errors come as
//! `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", …}` plus the legacy query code in
//! `x-amzn-query-error`, both read by the shared code table.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request};
use serde::Deserialize;
use serde_json::{json, Value};

use multicloud_core::{Error, ProviderKind, Result};

use crate::client::AwsClient;
use crate::endpoints::{Endpoint, Service};

/// The longest long poll SQS allows (`WaitTimeSeconds` 0..=20).
pub(crate) const MAX_WAIT_SECONDS: u64 = 20;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Message {
    pub(crate) message_id: String,
    pub(crate) receipt_handle: String,
    #[serde(default)]
    pub(crate) body: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Received {
    // No `Messages` key at all when the queue had nothing.
    #[serde(default)]
    messages: Vec<Message>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueueUrl {
    queue_url: String,
}

/// What a `ReceiveMessage` asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReceiveRequest {
    /// 1..=10.
    pub(crate) max_messages: u32,
    /// 0..=20 seconds.
    pub(crate) wait_seconds: u64,
    /// `Some(0)` to peek (the message stays visible); `None` for the queue's setting.
    pub(crate) visibility_timeout: Option<u64>,
}

/// The SQS endpoint of `region`.
pub(crate) fn endpoint(client: &AwsClient, region: &str) -> Result<Endpoint> {
    client.resolver().regional(Service::Sqs, region)
}

/// `GetQueueUrl`: the URL of `queue` in the endpoint's region.
pub(crate) async fn get_queue_url(
    client: &AwsClient,
    sqs: &Endpoint,
    queue: &str,
) -> Result<String> {
    let out = call(
        client,
        sqs,
        "GetQueueUrl",
        json!({ "QueueName": queue }),
        true,
    )
    .await?;
    let url: QueueUrl = decode(&out, "GetQueueUrl")?;
    Ok(url.queue_url)
}

/// `ReceiveMessage` on `queue_url`.
pub(crate) async fn receive(
    client: &AwsClient,
    sqs: &Endpoint,
    queue_url: &str,
    request: ReceiveRequest,
) -> Result<Vec<Message>> {
    let mut body = json!({
        "QueueUrl": queue_url,
        "MaxNumberOfMessages": request.max_messages.clamp(1, 10),
        "WaitTimeSeconds": request.wait_seconds.min(MAX_WAIT_SECONDS),
        "MessageSystemAttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
    });
    if let Some(v) = request.visibility_timeout {
        body["VisibilityTimeout"] = json!(v);
    }
    // Receiving twice only makes a message invisible twice: safe to resend.
    let out = call(client, sqs, "ReceiveMessage", body, true).await?;
    let received: Received = decode(&out, "ReceiveMessage")?;
    Ok(received.messages)
}

/// `DeleteMessage` of the message received with `receipt_handle`.
pub(crate) async fn delete(
    client: &AwsClient,
    sqs: &Endpoint,
    queue_url: &str,
    receipt_handle: &str,
) -> Result<()> {
    let body = json!({ "QueueUrl": queue_url, "ReceiptHandle": receipt_handle });
    // Deleting a deleted message succeeds: safe to resend.
    call(client, sqs, "DeleteMessage", body, true)
        .await
        .map(drop)
}

async fn call(
    client: &AwsClient,
    sqs: &Endpoint,
    action: &str,
    body: Value,
    idempotent: bool,
) -> Result<Bytes> {
    let url = format!("{}/", sqs.base_url);
    let api = format!("sqs:{action}");
    let target = format!("AmazonSQS.{action}");
    let body = Bytes::from(body.to_string());
    let authority = url
        .parse::<http::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.as_str().to_owned()))
        .ok_or_else(|| Error::config("the SQS endpoint URL has no host"))?;
    let response = client
        .send(sqs, api.clone(), idempotent, |_| {
            Request::builder()
                .method(Method::POST)
                .uri(&url)
                .header(HOST, &authority)
                .header(CONTENT_TYPE, "application/x-amz-json-1.0")
                .header("x-amz-target", &target)
                .body(body.clone())
                .map_err(|e| Error::config(format!("cannot build the {api} request: {e}")))
        })
        .await?;
    Ok(response.body)
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8], action: &str) -> Result<T> {
    // An empty 200 (DeleteMessage) is `{}`.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        Error::decode(format!(
            "sqs:{action} answered with an unexpected document: {e}"
        ))
        .with_provider(ProviderKind::Aws)
        .with_action(format!("sqs:{action}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_receive_has_no_messages_key_and_messages_decode() {
        let none: Received = decode(b"{}", "ReceiveMessage").unwrap();
        assert!(none.messages.is_empty());
        let some: Received = decode(
            br#"{"Messages":[{"MessageId":"m1","ReceiptHandle":"r1","MD5OfBody":"x","Body":"{}"}]}"#,
            "ReceiveMessage",
        )
        .unwrap();
        assert_eq!(some.messages[0].message_id, "m1");
        assert_eq!(some.messages[0].receipt_handle, "r1");
        let err = decode::<Received>(b"<html>", "ReceiveMessage").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        assert_eq!(err.action(), Some("sqs:ReceiveMessage"));
    }
}
